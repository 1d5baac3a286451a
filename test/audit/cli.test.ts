import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, runCli } from '../../src/cli/program.js';
import { runAudit, type AuditCliOptions } from '../../src/cli/audit.js';
import { parseXml } from './xml.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const fx = (...p: string[]): string => path.join(here, 'fixtures', ...p);

async function run(specs: string[], opts: AuditCliOptions = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAudit(specs, opts, { cwd: repoRoot, color: false, write: (s) => { out += s; }, error: (s) => { err += s; } });
  return { code, out, err };
}

describe('exit codes', () => {
  // One document per highest severity: clean (none), and fixtures whose worst finding is low, medium, high, critical.
  const worst = {
    none: fx('clean.yaml'),
    low: fx('rules', 'GH-INV-003', 'bad.yaml'),
    medium: fx('rules', 'GH-INPUT-001', 'bad.yaml'),
    high: fx('rules', 'GH-AUTH-002', 'bad.yaml'),
    critical: fx('broken', 'truncated.json'),
  } as const;
  const levels = ['low', 'medium', 'high', 'critical'] as const;

  it('the fixtures have the worst severity they are named for', async () => {
    for (const [sev, file] of Object.entries(worst)) {
      const { out } = await run([file], { format: 'json' });
      const found = (JSON.parse(out) as { documents: { findings: { severity: string }[] }[] }).documents[0]?.findings.map((f) => f.severity) ?? [];
      const rank = (s: string): number => levels.indexOf(s as (typeof levels)[number]);
      expect(found.length === 0 ? 'none' : levels[Math.max(...found.map(rank))]).toBe(sev);
    }
  });

  for (const failOn of levels) {
    it(`--fail-on ${failOn} exits 1 at or above ${failOn} and 0 below`, async () => {
      for (const [sev, file] of Object.entries(worst)) {
        const expected = sev !== 'none' && levels.indexOf(sev as (typeof levels)[number]) >= levels.indexOf(failOn) ? 1 : 0;
        expect((await run([file], { failOn, format: 'json' })).code, `${sev} document`).toBe(expected);
      }
    });
  }

  it('defaults to --fail-on high', async () => {
    expect((await run([worst.medium])).code).toBe(0);
    expect((await run([worst.high])).code).toBe(1);
  });

  it('--min-score fails a document scoring below it', async () => {
    expect((await run([worst.medium], { failOn: 'critical', minScore: '99' })).code).toBe(1);
    expect((await run([worst.medium], { failOn: 'critical', minScore: '50' })).code).toBe(0);
  });

  it('findings mitigated by the gateway do not fail the gate', async () => {
    // Its medium findings (unbounded strings, no rate limit) are all ones the gateway config neutralises.
    expect((await run([fx('cyclic-shared.yaml')], { failOn: 'medium' })).code).toBe(1);
    expect((await run([fx('cyclic-shared.yaml')], { failOn: 'medium', gatewayConfig: fx('gateway.yaml') })).code).toBe(0);
  });

  it.each([
    [{ format: 'xml' }, /--format/],
    [{ failOn: 'severe' }, /--fail-on/],
    [{ minScore: 'abc' }, /--min-score/],
    [{ minScore: '101' }, /--min-score/],
    [{ rules: fx('nope.yaml') }, /cannot read rules file/],
    [{ rules: fx('rules-invalid.yaml') }, /rules\[0\]\.severity/],
    [{ gatewayConfig: fx('nope-gateway.yaml') }, /cannot read gateway config/],
  ] as [AuditCliOptions, RegExp][])('usage error %o exits 2 with a message', async (opts, msg) => {
    const r = await run([fx('clean.yaml')], opts);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.out).toBe('');
  });

  it('an unknown option exits 2 through commander', async () => {
    const program = buildProgram();
    program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    for (const command of program.commands) command.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    expect(await runCli(['node', 'gatehouse', 'audit', '--bogus', 'x.yaml'], program)).toBe(2);
  });
});

afterEach(() => { vi.restoreAllMocks(); });

describe('custom rules file', () => {
  it('runs custom rules and applies severity overrides', async () => {
    const r = await run([fx('clean.yaml')], { rules: fx('rules-custom.yaml'), format: 'json', failOn: 'critical' });
    const doc = (JSON.parse(r.out) as { documents: { findings: { ruleId: string; severity: string; line: number }[] }[] }).documents[0];
    expect(doc?.findings.map((f) => f.ruleId).sort()).toEqual(['ACME-001', 'ACME-001', 'ACME-002']);
    expect(doc?.findings.every((f) => f.line > 0)).toBe(true);
    const twin = await run([fx('rules', 'GH-INV-003', 'bad.yaml')], { rules: fx('rules-custom.yaml'), format: 'json' });
    const twinDoc = (JSON.parse(twin.out) as { documents: { findings: { ruleId: string }[] }[] }).documents[0];
    expect(twinDoc?.findings.map((f) => f.ruleId)).not.toContain('GH-INV-003');
    expect(twinDoc?.findings.map((f) => f.ruleId)).toContain('ACME-001');
  });
});

describe('output formats parse back', () => {
  const files = [fx('rules', 'GH-AUTH-002', 'bad.yaml'), fx('cyclic-shared.yaml'), fx('broken', 'bad-yaml.yaml')];

  it('json: documents with score, categories, findings and suppressed', async () => {
    const { out } = await run(files, { format: 'json' });
    const j = JSON.parse(out) as { documents: { file: string; score: number; categories: Record<string, number>; findings: { ruleId: string; owasp: string; line: number; pointer: string; fix: string }[]; suppressed: { suppressed: string }[] }[] };
    expect(j.documents.map((d) => d.file)).toEqual(['test/audit/fixtures/rules/GH-AUTH-002/bad.yaml', 'test/audit/fixtures/cyclic-shared.yaml', 'test/audit/fixtures/broken/bad-yaml.yaml']);
    const first = j.documents[0];
    expect(first?.findings.find((f) => f.ruleId === 'GH-AUTH-002')).toMatchObject({ owasp: 'API2:2023', pointer: '/paths/~1orders~1{orderId}/get' });
    expect(first?.categories['API2:2023']).toBeLessThan(100);
    expect(j.documents[1]?.suppressed).toHaveLength(1);
    expect(j.documents[2]?.score).toBe(0);
  });

  it('sarif: validates against the SARIF 2.1.0 schema and annotates the right line', async () => {
    const { out } = await run(files, { format: 'sarif' });
    const sarif = JSON.parse(out) as { runs: { tool: { driver: { rules: { id: string; helpUri: string }[] } }; results: { ruleId: string; ruleIndex: number; suppressions?: unknown[]; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    // The OASIS schema is draft-04; Ajv 8 reads it once its top-level `id` is spelled `$id`.
    const require = createRequire(import.meta.url);
    const schemaFile = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const { id, $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
    // unicodeRegExp off: one pattern in the OASIS schema is not valid under the `u` flag.
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats.default(ajv);
    const validate = ajv.compile({ ...schema, $id: String(id) });
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const run0 = sarif.runs[0];
    const r = run0?.results.find((x) => x.ruleId === 'GH-AUTH-002');
    const loc = r?.locations[0]?.physicalLocation;
    expect(loc?.artifactLocation.uri).toBe('test/audit/fixtures/rules/GH-AUTH-002/bad.yaml');
    const lines = readFileSync(files[0] as string, 'utf8').split('\n');
    expect(lines[(loc?.region?.startLine ?? 0) - 1]).toMatch(/^\s+get:/);
    expect(run0?.tool.driver.rules[r?.ruleIndex ?? -1]?.id).toBe('GH-AUTH-002');
    expect(run0?.tool.driver.rules.find((x) => x.id === 'GH-AUTH-002')?.helpUri).toMatch(/audit-rules\.md#gh-auth-002$/);
    expect(run0?.results.filter((x) => x.suppressions !== undefined)).toHaveLength(1);
  });

  it('junit: one testcase per rule per document, failures for rules with findings', async () => {
    const { out } = await run(files, { format: 'junit' });
    const root = parseXml(out);
    expect(root.name).toBe('testsuites');
    const suites = root.children.filter((c) => c.name === 'testsuite');
    expect(suites).toHaveLength(3);
    const first = suites[0];
    const cases = first?.children.filter((c) => c.name === 'testcase') ?? [];
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(Number(first?.attrs.tests)).toBe(cases.length);
    const failed = cases.filter((c) => c.children.some((x) => x.name === 'failure'));
    expect(Number(first?.attrs.failures)).toBe(failed.length);
    expect(failed.map((c) => c.attrs.name?.split(' ')[0])).toContain('GH-AUTH-002');
    expect(cases.find((c) => c.attrs.name?.startsWith('GH-AUTH-004'))?.children).toEqual([]);
  });

  it('text: grouped by severity, names file:line, rule, fix and lists suppressions; no colour off a TTY', async () => {
    const { out } = await run(files, { format: 'text' });
    expect(out).toMatch(/score \d+\/100/);
    expect(out).toMatch(/HIGH \(\d+\)/);
    expect(out).toMatch(/test\/audit\/fixtures\/rules\/GH-AUTH-002\/bad\.yaml:\d+ {2}GH-AUTH-002 API2:2023/);
    expect(out).toMatch(/SUPPRESSED \(1\)[\s\S]*reason: internal tooling/);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/\u001b\[/);
  });
});

describe('CI ergonomics', () => {
  it('the last line says which gate decided and why, failing or passing', async () => {
    const failed = await run([fx('rules', 'GH-AUTH-002', 'bad.yaml')]);
    expect(failed.code).toBe(1);
    expect(failed.out.trimEnd().split('\n').pop()).toMatch(/^gate failed: --fail-on high: \d+ active finding\(s\) at or above high \(GH-AUTH-002/);
    const low = await run([fx('rules', 'GH-INPUT-001', 'bad.yaml')], { failOn: 'critical', minScore: '99' });
    expect(low.out.trimEnd().split('\n').pop()).toMatch(/^gate failed: --min-score 99: .*bad\.yaml scores \d+$/);
    const passed = await run([fx('clean.yaml')]);
    expect(passed.code).toBe(0);
    expect(passed.out.trimEnd().split('\n').pop()).toBe('gate passed: no active finding at or above high; lowest score 100');
  });

  it('machine formats keep stdout parseable and give the verdict on stderr', async () => {
    const r = await run([fx('rules', 'GH-AUTH-002', 'bad.yaml')], { format: 'json' });
    expect(() => JSON.parse(r.out) as unknown).not.toThrow();
    expect(r.err).toMatch(/^gate failed: --fail-on high/);
  });

  it('--fail-on none gates on the score alone', async () => {
    expect((await run([fx('rules', 'GH-AUTH-002', 'bad.yaml')], { failOn: 'none' })).code).toBe(0);
    expect((await run([fx('rules', 'GH-AUTH-002', 'bad.yaml')], { failOn: 'none', minScore: '99' })).code).toBe(1);
  });

  it('junit fails only the rules that fail the gate; the rest are listed, not failed', async () => {
    const { out, code } = await run([fx('rules', 'GH-INPUT-001', 'bad.yaml')], { format: 'junit', failOn: 'high', minScore: '1' });
    expect(code).toBe(0);
    const suite = parseXml(out).children.find((c) => c.name === 'testsuite');
    expect(suite?.attrs.failures).toBe('0');
    const input = suite?.children.find((c) => c.attrs.name?.startsWith('GH-INPUT-001'));
    expect(input?.children.map((c) => c.name)).toEqual(['system-out']);
    expect(suite?.children.some((c) => c.attrs.name === 'score at least 1')).toBe(true);
    const strict = parseXml((await run([fx('rules', 'GH-INPUT-001', 'bad.yaml')], { format: 'junit', failOn: 'medium', minScore: '100' })).out).children.find((c) => c.name === 'testsuite');
    expect(strict?.children.find((c) => c.attrs.name?.startsWith('GH-INPUT-001'))?.children.map((c) => c.name)).toEqual(['failure']);
    expect(strict?.children.find((c) => c.attrs.name === 'score at least 100')?.children.map((c) => c.name)).toEqual(['failure']);
  });

  it('a directory audits every spec under it and skips YAML that is not a spec', async () => {
    const { out } = await run([fx()], { format: 'json', failOn: 'none' });
    const files = (JSON.parse(out) as { documents: { file: string }[] }).documents.map((d) => d.file);
    expect(files).toContain('test/audit/fixtures/clean.yaml');
    expect(files).toContain('test/audit/fixtures/rules/GH-AUTH-002/bad.yaml');
    expect(files).not.toContain('test/audit/fixtures/gateway.yaml');
    expect(files).not.toContain('test/audit/fixtures/rules-custom.yaml');
  });

  it('a directory without specs is a usage error (exit 2)', async () => {
    const r = await run([path.join(repoRoot, 'docs')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds no OpenAPI document/);
  });

  it('the demo spec passes its own default gate, and says why what it leaves open is acceptable', async () => {
    const spec = path.join(repoRoot, 'examples/demo/openapi.yaml');
    const r = await run([spec], { format: 'json' });
    expect(r.code).toBe(0);
    const doc = (JSON.parse(r.out) as { documents: { suppressed: { ruleId: string; suppressed: string }[] }[] }).documents[0];
    expect(doc?.suppressed.every((s) => s.suppressed.length > 20)).toBe(true);
    expect((await run([spec], { gatewayConfig: path.join(repoRoot, 'examples/demo/gatehouse.yaml') })).code).toBe(0);
  });
});
