import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors/index.js';
import { compileContract, loadSpec } from '../../src/openapi/index.js';

/**
 * `npm run test:corpus`: every public spec of the shared corpus (../shared/corpora, beside the
 * checkout; its absence fails this suite) loads and compiles into an enforceable contract, as
 * the gateway would start with it, or is refused for a reason that cannot be enforced: never for
 * something the OpenAPI text allows (an empty enum, an unknown format). Any other exception is a
 * bug. Refusal reasons are an explicit list: a new kind of refusal of real-world documents is a
 * decision to make here, not a side effect to discover in production.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = path.resolve(repoRoot, '../shared/corpora/specs');
const FOLDERS = ['swagger-2.0', 'openapi-3.0', 'openapi-3.1'];

/**
 * What real documents of the corpus are refused for: an external `$ref` whose file is not in the
 * corpus (the document was published without it), and operations the router cannot tell apart
 * while their contracts differ (`GET /collection/{id}` with an integer id beside
 * `GET /collection/{slug}`: the gateway cannot know which contract a request is held to, and
 * OpenAPI forbids such paths).
 */
const ACCEPTED_REFUSALS = new Set(['dangling-ref', 'route-conflict']);

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

  it.each(files.map((f) => [path.relative(CORPUS, f), f]))('%s compiles into an enforceable contract, or is refused for what cannot be enforced', async (_name, file) => {
    let spec;
    try {
      spec = await loadSpec(file);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      expect(err.message).toContain(path.basename(file));
      refused.push({ file: path.relative(CORPUS, file), reason: err.message.split('\n')[0] ?? '' });
      return;
    }
    const contract = compileContract(spec, { unknownFields: 'reject', unknownQuery: 'reject', rejectReadOnly: true });
    for (const p of [...contract.errors, ...contract.warnings]) {
      const key = `${p.severity} ${p.code}`;
      problemCodes.set(key, (problemCodes.get(key) ?? 0) + 1);
      expect(p.line, `${p.code} at ${p.pointer} has a line`).toBeGreaterThan(0);
    }
    if (contract.errors.length > 0) {
      for (const e of contract.errors) refused.push({ file: path.relative(CORPUS, file), reason: `${e.code} ${e.pointer}:${e.line ?? '?'}: ${e.message}` });
      expect(contract.errors.filter((e) => !ACCEPTED_REFUSALS.has(e.code)).map((e) => `${e.code}: ${e.message}`)).toEqual([]);
      return;
    }
    expect(contract.validators.size).toBe(spec.operations.length);
    loaded.push(file);
    operations += spec.operations.length;
  }, 60_000);

  afterAll(() => {
    const perFolder = FOLDERS.map((f) => `${f}: ${loaded.filter((l) => l.includes(`/${f}/`)).length}`).join(', ');
    console.log(`corpus: ${loaded.length} of ${files.length} compiled into enforceable contracts (${perFolder}; ${operations} operations), ${new Set(refused.map((r) => r.file)).size} refused`);
    console.log(`  problems reported: ${[...problemCodes].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}`);
    for (const r of refused) console.log(`  refused ${r.file}: ${r.reason}`);
  });
});
