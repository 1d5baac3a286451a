import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors/index.js';
import { createSchemaCompiler, loadSpec } from '../../src/openapi/index.js';

/**
 * Every public spec of the shared corpus either loads and compiles completely, or is refused
 * with a SpecError naming the file and the problem. Any other exception is a bug. The corpus
 * lives beside the repository (../shared); its absence fails this suite rather than skipping it.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = path.resolve(repoRoot, '../shared/corpora/specs');
const FOLDERS = ['swagger-2.0', 'openapi-3.0', 'openapi-3.1'];

function corpusFiles(): string[] {
  if (!existsSync(CORPUS)) return [];
  return FOLDERS.flatMap((folder) => {
    const dir = path.join(CORPUS, folder);
    return existsSync(dir) ? readdirSync(dir).filter((f) => /\.(ya?ml|json)$/i.test(f)).map((f) => path.join(dir, f)) : [];
  });
}

const files = corpusFiles();
const loaded: string[] = [];
const refused: { file: string; reason: string }[] = [];
let operations = 0;
const problemCodes = new Map<string, number>();

describe('OpenAPI corpus', () => {
  it('has the shared corpus with all three folders', () => {
    expect(existsSync(CORPUS), `spec corpus missing at ${CORPUS}`).toBe(true);
    for (const folder of FOLDERS) expect(existsSync(path.join(CORPUS, folder)), `${folder} missing under ${CORPUS}`).toBe(true);
    expect(files.length).toBeGreaterThan(100);
  });

  it.each(files.map((f) => [path.relative(CORPUS, f), f]))('%s loads and compiles, or is refused with a SpecError', async (_name, file) => {
    try {
      const spec = await loadSpec(file);
      const compiler = createSchemaCompiler(spec, { unknownFields: 'reject', unknownQuery: 'reject', rejectReadOnly: true });
      for (const op of spec.operations) compiler.compileOperation(op);
      loaded.push(file);
      operations += spec.operations.length;
      for (const p of [...spec.problems, ...compiler.problems]) {
        const key = `${p.severity} ${p.code}`;
        problemCodes.set(key, (problemCodes.get(key) ?? 0) + 1);
      }
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      expect(err.message).toContain(path.basename(file));
      refused.push({ file: path.relative(CORPUS, file), reason: err.message.split('\n')[0] ?? '' });
    }
  }, 60_000);

  afterAll(() => {
    const perFolder = FOLDERS.map((f) => `${f}: ${loaded.filter((l) => l.includes(`/${f}/`)).length}`).join(', ');
    console.log(`corpus: ${loaded.length} of ${files.length} loaded and compiled (${perFolder}; ${operations} operations), ${refused.length} refused`);
    console.log(`  problems reported: ${[...problemCodes].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`);
    for (const r of refused) console.log(`  refused ${r.file}: ${r.reason}`);
  });
});
