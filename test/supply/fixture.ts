import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

/** A copy of the demo app with one package installed whose licence is only in node_modules. */
export function appCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gh-supply-'));
  cpSync(join(FIXTURES, 'app'), dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules', 'c'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'c', 'package.json'), JSON.stringify({ name: 'c', version: '0.3.1', license: 'BSD-2-Clause' }));
  return dir;
}
