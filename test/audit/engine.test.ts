import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditFile, auditLoaded } from '../../src/audit/engine.js';
import { auditFiles, auditScoreForSpecs, loadGatewayGuarantees } from '../../src/audit/index.js';
import { loadForAudit } from '../../src/audit/load.js';
import type { Rule } from '../../src/audit/types.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (...p: string[]): string => path.join(fixtures, ...p);

describe('unreadable documents are findings, not crashes', () => {
  const broken = ['bad-yaml.yaml', 'truncated.json', 'not-openapi.yaml', 'empty.yaml', 'future-version.yaml', 'list.yaml', 'garbage.json', 'does-not-exist.yaml'];
  it.each(broken)('%s becomes one critical GH-SPEC-001 finding with a clear message and score 0', async (name) => {
    const r = await auditFile(fx('broken', name));
    expect(r.score).toBe(0);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0];
    expect(f?.ruleId).toBe('GH-SPEC-001');
    expect(f?.severity).toBe('critical');
    expect(f?.line).toBeGreaterThan(0);
    expect(f?.message).not.toMatch(/\n\s+at /);
    expect(f?.message.length).toBeGreaterThan(10);
  });

  it('points at the line of a YAML syntax error', async () => {
    const r = await auditFile(fx('broken', 'bad-yaml.yaml'));
    expect(r.findings[0]?.line).toBeGreaterThanOrEqual(7);
  });
});

describe('shared components and cycles', () => {
  it('walks a recursive schema once and reports its problem once, at the component', async () => {
    const r = await auditFile(fx('cyclic-shared.yaml'));
    const strings = r.findings.filter((f) => f.ruleId === 'GH-INPUT-001');
    expect(strings.map((f) => f.pointer)).toEqual(['/components/schemas/Node/properties/label']);
    expect(strings[0]?.line).toBe(19);
  });

  it('reports a component used by thousands of operations once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gh-audit-'));
    const paths: Record<string, unknown> = {};
    for (let i = 0; i < 3000; i++) {
      paths[`/items${i}/{id}`] = {
        put: {
          operationId: `put${i}`, tags: ['t'], parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
          responses: { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } }, '4XX': { description: 'e', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      };
    }
    const doc = {
      openapi: '3.0.3', info: { title: 'big', version: '1', contact: { email: 'a@example.com' }, 'x-owner': 'x' }, servers: [{ url: 'https://x.example.com' }],
      security: [{ b: [] }], paths,
      components: { securitySchemes: { b: { type: 'http', scheme: 'bearer' } }, schemas: { Item: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string', maxLength: 5 } } } } } },
    };
    const file = path.join(dir, 'big.json');
    writeFileSync(file, JSON.stringify(doc, null, 1));
    const r = await auditFile(file);
    expect(r.operations).toBe(3000);
    expect(r.findings.filter((f) => f.ruleId === 'GH-INPUT-001').map((f) => f.pointer)).toEqual(['/components/schemas/Item/properties/name']);
    expect(r.findings.filter((f) => f.ruleId === 'GH-INPUT-003').map((f) => f.pointer)).toEqual(['/components/schemas/Item/properties/tags']);
  });
});

describe('suppressions', () => {
  it('honours x-gatehouse-ignore with a reason and lists the suppressed finding with it', async () => {
    const r = await auditFile(fx('cyclic-shared.yaml'));
    const s = r.findings.filter((f) => f.suppressed !== undefined);
    expect(s.map((f) => [f.ruleId, f.pointer, f.suppressed])).toEqual([['GH-INV-003', '/paths/~1c/put', 'internal tooling groups this operation by path']]);
  });

  it('does not honour a suppression without a reason and reports it', async () => {
    const r = await auditFile(fx('rules', 'GH-SPEC-004', 'bad.yaml'));
    expect(r.findings.find((f) => f.ruleId === 'GH-RESP-003')?.suppressed).toBeUndefined();
    expect(r.findings.some((f) => f.ruleId === 'GH-SPEC-004')).toBe(true);
    const g = await auditFile(fx('rules', 'GH-SPEC-004', 'good.yaml'));
    expect(g.findings.find((f) => f.ruleId === 'GH-RESP-003')?.suppressed).toBe('rate limited by the CDN in front of this API');
  });

  it('suppressed findings do not lower the score', async () => {
    const r = await auditFile(fx('rules', 'GH-SPEC-004', 'good.yaml'));
    expect(r.score).toBe(100);
  });
});

describe('gateway guarantees', () => {
  it('marks findings the gateway neutralises as mitigated instead of dropping them', async () => {
    const gw = await loadGatewayGuarantees(fx('gateway.yaml'));
    const r = await auditFiles([fx('cyclic-shared.yaml')], { gateway: gw });
    const d = r.documents[0];
    expect(d?.findings.find((f) => f.ruleId === 'GH-INPUT-001')?.mitigatedByGateway).toMatch(/4096/);
    expect(d?.findings.find((f) => f.ruleId === 'GH-RATE-001')?.mitigatedByGateway).toMatch(/rateLimit/);
    const plain = await auditFile(fx('cyclic-shared.yaml'));
    expect(d?.score ?? 0).toBeGreaterThan(plain.score);
  });

  it('gives nothing to a spec whose API has no contract or rate-limit policy', async () => {
    const gw = await loadGatewayGuarantees(fx('gateway.yaml'));
    const g = gw.forSpec(fx('clean.yaml'));
    expect(g?.maxStringLength).toBeUndefined();
    expect(g?.rateLimited).toBeUndefined();
    expect(g?.maxBodyBytes).toMatch(/1048576/);
    expect(gw.forSpec(fx('rules', 'GH-AUTH-001', 'bad.yaml'))).toBeUndefined();
  });

  it('auditScoreForSpecs gives check-config a score per spec, 0 for an unreadable one', async () => {
    const scores = await auditScoreForSpecs([fx('clean.yaml'), fx('broken', 'truncated.json')]);
    expect(scores).toEqual([{ file: fx('clean.yaml'), score: 100 }, { file: fx('broken', 'truncated.json'), score: 0 }]);
  });
});

describe('robustness of rules', () => {
  it('a rule that throws becomes a GH-SPEC-005 finding and the other rules still run', async () => {
    const boom: Rule = { id: 'X-BOOM', title: 'boom', severity: 'low', owasp: 'API8:2023', description: 'd', fix: 'f', check() { throw new Error('kaboom'); } };
    const spec = await loadForAudit(fx('rules', 'GH-AUTH-002', 'bad.yaml'));
    const r = auditLoaded(spec, { rules: [boom, ...(await import('../../src/audit/rules/index.js')).BUILTIN_RULES] });
    expect(r.findings.find((f) => f.ruleId === 'GH-SPEC-005')?.message).toMatch(/X-BOOM failed: kaboom/);
    expect(r.findings.some((f) => f.ruleId === 'GH-AUTH-002')).toBe(true);
  });

  it('loader problems become GH-SPEC-003 findings', async () => {
    const spec = await loadForAudit(fx('clean.yaml'));
    const withProblem = Object.assign(Object.create(Object.getPrototypeOf(spec) as object) as object, spec, {
      problems: [{ severity: 'warning', code: 'DUPLICATE_OPERATION_ID', message: 'operationId getOrder used twice', file: spec.file, pointer: '/paths' }],
      locate: spec.locate.bind(spec),
    }) as typeof spec;
    const r = auditLoaded(withProblem);
    expect(r.findings.map((f) => f.ruleId)).toEqual(['GH-SPEC-003']);
  });

  it('severity overrides change severity and `off` disables a rule', async () => {
    const spec = await loadForAudit(fx('rules', 'GH-AUTH-002', 'bad.yaml'));
    const r = auditLoaded(spec, { overrides: { 'GH-AUTH-002': 'low', 'GH-RESP-001': 'off' } });
    expect(r.findings.find((f) => f.ruleId === 'GH-AUTH-002')?.severity).toBe('low');
    expect(r.rulesRun).not.toContain('GH-RESP-001');
  });
});
