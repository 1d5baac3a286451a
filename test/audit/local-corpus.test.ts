import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditFile } from '../../src/audit/engine.js';
import { largeSpec } from './large-spec.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('in-repository corpus (2.0, 3.0, 3.1, small and very large)', () => {
  const local = path.join(repoRoot, 'test/audit/corpus');
  it.each(readdirSync(local).filter((f) => /\.(ya?ml|json)$/.test(f)))('%s is audited with located findings', async (name) => {
    const r = await auditFile(path.join(local, name));
    expect(r.findings.filter((f) => f.ruleId === 'GH-SPEC-001' || f.ruleId === 'GH-SPEC-005')).toEqual([]);
    expect(r.version).toMatch(/^[23]\./);
    for (const f of r.findings) expect(f.line, `${f.ruleId} ${f.pointer}`).toBeGreaterThan(0);
  });

  // Counted work, not time (`npm run bench -- audit` measures time): a schema shared by many
  // operations is judged once, so 4000 operations over 400 components give 400 findings.
  it('audits a ~10 MB generated spec with 4000 operations, judging each shared component once', { timeout: 60_000 }, async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gh-audit-large-')), 'large.json');
    const text = JSON.stringify(largeSpec(4000), null, 2);
    writeFileSync(file, text);
    expect(text.length).toBeGreaterThan(8_000_000);
    const r = await auditFile(file);
    expect(r.operations).toBe(4000);
    expect(r.findings.filter((f) => f.ruleId === 'GH-DATA-001')).toHaveLength(400);
  });
});
