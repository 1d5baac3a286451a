import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditFile } from '../../src/audit/engine.js';
import { BUILTIN_RULES } from '../../src/audit/rules/index.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const ruleDirs = readdirSync(path.join(fixtures, 'rules'));
/** Rules raised by the engine itself; their tests live in engine.test.ts. */
const ENGINE_RULES = new Set(['GH-SPEC-001', 'GH-SPEC-003', 'GH-SPEC-005']);

describe('built-in rules', () => {
  it('there are at least 40, with unique ids, each with a bad/good fixture pair', () => {
    expect(BUILTIN_RULES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BUILTIN_RULES.map((r) => r.id)).size).toBe(BUILTIN_RULES.length);
    const missing = BUILTIN_RULES.map((r) => r.id).filter((id) => !ENGINE_RULES.has(id) && !ruleDirs.includes(id));
    expect(missing).toEqual([]);
  });

  it('docs/audit-rules.md documents every rule (anchor, title, bad and good example) and nothing else', () => {
    const docs = readFileSync(path.resolve(fixtures, '../../../docs/audit-rules.md'), 'utf8');
    for (const r of BUILTIN_RULES) {
      const at = docs.indexOf(`<a id="${r.id.toLowerCase()}"></a>`);
      expect(at, r.id).toBeGreaterThan(0);
      const section = docs.slice(at, docs.indexOf('<a id=', at + 10) === -1 ? undefined : docs.indexOf('<a id=', at + 10));
      expect(section).toContain(`### ${r.id}: ${r.title}`);
      expect(section).toContain(r.owasp);
      expect(section).toMatch(/Bad:\n\n```yaml[\s\S]+Good:\n\n```yaml/);
    }
    const documented = [...docs.matchAll(/<a id="(gh-[a-z]+-\d+)"><\/a>/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual(BUILTIN_RULES.map((r) => r.id.toLowerCase()).sort());
  });

  it.each(['clean.yaml', 'clean-2.0.yaml'])('the clean baseline %s has no finding at all', async (name) => {
    const r = await auditFile(path.join(fixtures, name));
    expect(r.findings.map((f) => `${f.ruleId} ${f.pointer} ${f.message}`)).toEqual([]);
    expect(r.score).toBe(100);
  });

  for (const id of ruleDirs) {
    const files = readdirSync(path.join(fixtures, 'rules', id));
    for (const bad of files.filter((f) => f.startsWith('bad'))) {
      const good = bad.replace('bad', 'good');
      it(`${id} fires on ${bad} with a line, and not on its fixed twin ${good}`, async () => {
        const b = await auditFile(path.join(fixtures, 'rules', id, bad));
        const hits = b.findings.filter((f) => f.ruleId === id);
        expect(hits.length, `${id} did not fire; got ${b.findings.map((f) => f.ruleId).join(', ')}`).toBeGreaterThan(0);
        for (const h of hits) expect(h.line, `${h.pointer} has no line`).toBeGreaterThan(0);
        const g = await auditFile(path.join(fixtures, 'rules', id, good));
        expect(g.findings.filter((f) => f.ruleId === id).map((f) => f.message)).toEqual([]);
      });
    }
  }
});
