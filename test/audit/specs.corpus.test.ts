import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditFile } from '../../src/audit/engine.js';
import { largeSpec } from './large-spec.js';

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
});

describe('benchmark budget', () => {
  it('audits GitHub\'s 13 MB description (1000+ operations) in under 5 s', { timeout: 60_000 }, async () => {
    const file = path.join(corpus, 'openapi-3.0/github__api.github.com.json');
    const t = performance.now();
    const r = await auditFile(file);
    const ms = performance.now() - t;
    expect(r.operations).toBeGreaterThan(1000);
    expect(ms).toBeLessThan(5000);
  });
});

describe('in-repository corpus (2.0, 3.0, 3.1, small and very large)', () => {
  const local = path.join(repoRoot, 'test/audit/corpus');
  it.each(readdirSync(local).filter((f) => /\.(ya?ml|json)$/.test(f)))('%s is audited with located findings', async (name) => {
    const r = await auditFile(path.join(local, name));
    expect(r.findings.filter((f) => f.ruleId === 'GH-SPEC-001' || f.ruleId === 'GH-SPEC-005')).toEqual([]);
    expect(r.version).toMatch(/^[23]\./);
    for (const f of r.findings) expect(f.line, `${f.ruleId} ${f.pointer}`).toBeGreaterThan(0);
  });

  it('a ~10 MB generated spec with 4000 operations is audited in under 5 s', { timeout: 60_000 }, async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gh-audit-large-')), 'large.json');
    const text = JSON.stringify(largeSpec(4000), null, 2);
    writeFileSync(file, text);
    expect(text.length).toBeGreaterThan(8_000_000);
    const t = performance.now();
    const r = await auditFile(file);
    const ms = performance.now() - t;
    expect(r.operations).toBe(4000);
    // Shared components: one finding per component, not one per operation.
    expect(r.findings.filter((f) => f.ruleId === 'GH-DATA-001')).toHaveLength(400);
    expect(ms).toBeLessThan(5000);
  });
});
