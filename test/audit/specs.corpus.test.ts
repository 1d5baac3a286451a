import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditFile } from '../../src/audit/engine.js';

/**
 * `npm run test:corpus`: the audit over the shared corpus of real-world specs beside the
 * checkout (../shared/corpora). A missing corpus fails this suite; `npm test` does not include it.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpora/specs');

function specsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return specsUnder(p);
    return /\.(ya?ml|json)$/i.test(name) ? [p] : [];
  });
}

describe('audit over the shared corpus of real-world specs', () => {
  it('finds the corpus (a missing corpus fails, it does not skip)', () => {
    expect(existsSync(corpus), `corpus not found at ${corpus}`).toBe(true);
  });

  it('audits every spec without throwing and scores each 0..100', { timeout: 300_000 }, async () => {
    const files = specsUnder(corpus);
    expect(files.length).toBeGreaterThan(100);
    const versions = new Set<string>();
    for (const f of files) {
      const r = await auditFile(f);
      expect(r.score, f).toBeGreaterThanOrEqual(0);
      expect(r.score, f).toBeLessThanOrEqual(100);
      for (const x of r.findings) expect(x.message.includes('    at '), `${f}: ${x.message}`).toBe(false);
      const crashed = r.findings.filter((x) => x.ruleId === 'GH-SPEC-005');
      expect(crashed.map((c) => c.message), f).toEqual([]);
      versions.add(r.version.slice(0, 3));
    }
    expect([...versions]).toEqual(expect.arrayContaining(['2.0', '3.0', '3.1']));
  });

  // Its time is measured by `npm run bench -- audit`, not asserted here (the machine is shared).
  it('audits GitHub\'s 13 MB description (1000+ operations) completely', { timeout: 120_000 }, async () => {
    const r = await auditFile(path.join(corpus, 'openapi-3.0/github__api.github.com.json'));
    expect(r.operations).toBeGreaterThan(1000);
    expect(r.findings.filter((f) => f.ruleId === 'GH-SPEC-005')).toEqual([]);
  });
});
