import type { LoadedSpec } from '../openapi/types.js';
import { interimLoadSpec } from './interim-loader/index.js';

type Loader = (file: string) => Promise<LoadedSpec>;
let loader: Loader | undefined;

/**
 * The shared loader (`src/openapi/index.ts`) when it exists, else the audit's interim reader.
 * The specifier is a variable so the audit still builds while the shared module is being written.
 */
export async function loadForAudit(file: string): Promise<LoadedSpec> {
  if (loader === undefined) {
    const shared = '../openapi/index.js';
    try {
      const mod = (await import(shared)) as { loadSpec?: Loader };
      loader = typeof mod.loadSpec === 'function' ? mod.loadSpec : interimLoadSpec;
    } catch {
      loader = interimLoadSpec;
    }
  }
  return loader(file);
}
