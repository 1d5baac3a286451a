import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared fixture specs (test/openapi/fixtures), for this module's tests and other engineers'. */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/openapi/fixtures');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}
