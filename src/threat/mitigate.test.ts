import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { loadSpec } from '../openapi/index.js';
import { buildThreatModel, SpecNotServedError } from './model.js';
import { BANK, threatOn, type Doc } from './testing.js';
import type { ThreatModel } from './types.js';

/*
 * Mitigations are read from a real config through the config loader; each is shown to depend
 * on the config part it cites: removed, narrowed to another operation, or set to monitor, the
 * threat goes back to none or partial.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'gh-threat-'));
const specFile = path.join(dir, 'bank.yaml');
const doc = parse(BANK) as Doc;
doc.components.schemas.Account.properties.email = { type: 'string', format: 'email', maxLength: 254 };
doc.components.schemas.Account.properties.phone = { type: 'string', maxLength: 20 };
doc.paths['/transfers'].post.requestBody.content['application/json'].schema.properties.callback = { type: 'string', format: 'uri', maxLength: 2000 };
doc.paths['/transfers'].post.requestBody.content['application/json'].schema.properties.memo = { type: 'string', maxLength: 140 };
doc.paths['/login'] = {
  post: {
    operationId: 'login', security: [],
    requestBody: { content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { user: { type: 'string', format: 'email' }, password: { type: 'string', maxLength: 200 } } } } } },
    responses: { 200: { description: 'ok' } },
  },
};
doc.paths['/admin/accounts/{accountId}'] = { delete: { operationId: 'closeAccount', parameters: [{ name: 'accountId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }], responses: { 204: { description: 'closed' } } } };
doc.paths['/accounts/{accountId}'].patch = {
  operationId: 'updateAccount',
  requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Account' } } } },
  responses: { 200: { description: 'updated' } },
};
writeFileSync(specFile, stringify(doc));

async function modelFor(policies: string, top = '', spec = 'bank.yaml'): Promise<ThreatModel> {
  const text = `version: "1"\n${top}apis:\n  - name: bank\n    spec: ${spec}\n    upstream: { url: "http://127.0.0.1:1" }\n    policies:\n${policies.split('\n').map((l) => `      ${l}`).join('\n')}\n`;
  const config: GatehouseConfig = await parseConfig(text, path.join(dir, 'gatehouse.yaml'), { env: {} });
  return buildThreatModel(await loadSpec(path.join(dir, spec)), { config });
}

const status = (m: ThreatModel, op: string, id: string): string | undefined => threatOn(m, op, id)?.mitigation.status;

describe('what the gateway config mitigates', () => {
  it('an objectAuth rule on the identifier mitigates BOLA where it applies, and only there', async () => {
    const m = await modelFor('objectAuth:\n  rules:\n    - { operations: [getAccount], param: path.accountId, claim: account_id }');
    const t = threatOn(m, 'getAccount', 'TM-BOLA-READ');
    expect(t?.mitigation.status).toBe('mitigated');
    expect(t?.mitigation.by[0]).toMatchObject({ path: 'apis[0].policies.objectAuth.rules[0]', line: 9 });
    expect(t?.risk).toBe(0);
    expect(status(m, 'closeAccount', 'TM-BOLA-WRITE')).toBe('none');
    const everywhere = await modelFor('objectAuth:\n  rules:\n    - { param: accountId, claim: account_id }');
    expect(status(everywhere, 'closeAccount', 'TM-BOLA-WRITE')).toBe('mitigated');
    const wrongParam = await modelFor('objectAuth:\n  rules:\n    - { operations: [getAccount], param: query.accountId, claim: account_id }');
    expect(status(wrongParam, 'getAccount', 'TM-BOLA-READ')).toBe('none');
    const monitor = await modelFor('objectAuth:\n  mode: monitor\n  rules:\n    - { param: accountId, claim: account_id }');
    expect(status(monitor, 'getAccount', 'TM-BOLA-READ')).toBe('partial');
    const authnMonitor = await modelFor('authentication: { mode: monitor }\nobjectAuth:\n  rules:\n    - { param: accountId, claim: account_id }');
    expect(status(authnMonitor, 'getAccount', 'TM-BOLA-READ')).toBe('partial');
  });

  it('authentication.fallback mitigates an operation left open by the spec, unless listed as public', async () => {
    expect(status(await modelFor('authentication: { fallback: [] }'), 'login', 'TM-AUTHN-NONE')).toBe('none');
    const fallback = await modelFor('authentication: { fallback: [oauth] }');
    expect(status(fallback, 'login', 'TM-AUTHN-NONE')).toBe('mitigated');
    expect(status(fallback, 'login', 'TM-REPUDIATION-ANON')).toBe('mitigated');
    const pub = await modelFor('authentication: { fallback: [oauth], public: [login] }');
    expect(status(pub, 'login', 'TM-AUTHN-NONE')).toBe('none');
    expect(threatOn(pub, 'login', 'TM-AUTHN-NONE')?.mitigation.gap).toMatch(/public/);
  });

  it('authFailures mitigates password guessing; a rate limit alone only slows it', async () => {
    expect(status(await modelFor('authFailures: { perIp: 5/15m, identityFrom: body.user }'), 'login', 'TM-AUTHN-GUESS')).toBe('mitigated');
    expect(status(await modelFor('rateLimit:\n  limits: [{ by: ip, rate: 10/min, operations: [login] }]'), 'login', 'TM-AUTHN-GUESS')).toBe('partial');
    expect(status(await modelFor('rateLimit:\n  limits: [{ by: ip, rate: 10/min, operations: [search] }]'), 'login', 'TM-AUTHN-GUESS')).toBe('none');
  });

  it('a rate limit covering the operation mitigates flow automation; one on another operation does not', async () => {
    const m = await modelFor('rateLimit:\n  limits: [{ by: identity, rate: 5/min, operations: [createTransfer] }]');
    expect(status(m, 'createTransfer', 'TM-FLOW-AUTOMATION')).toBe('mitigated');
    expect(status(m, 'login', 'TM-FLOW-AUTOMATION')).toBe('none');
    expect(status(m, 'search', 'TM-DOS-PAGE')).toBe('none');
    const all = await modelFor('rateLimit:\n  limits: [{ by: ip, rate: 100/min }]');
    expect(status(all, 'search', 'TM-DOS-PAGE')).toBe('partial');
  });

  it('masking rules mitigate exposed fields they reach, by path or category, per operation', async () => {
    expect(status(await modelFor('masking:\n  rules: [{ path: $.email, action: hash }, { path: $.phone, action: last4 }]\n  hashKey: 0123456789abcdef0123'), 'getAccount', 'TM-DATA-PERSONAL')).toBe('mitigated');
    expect(status(await modelFor('masking:\n  rules: [{ category: email, action: redact }]'), 'getAccount', 'TM-DATA-PERSONAL')).toBe('partial');
    expect(status(await modelFor('masking:\n  rules: [{ path: $.email, action: redact, operations: [search] }]'), 'getAccount', 'TM-DATA-PERSONAL')).toBe('none');
  });

  it('the injection guard mitigates free text, partly SSRF; ignoring a category weakens it', async () => {
    const m = await modelFor('injection: { mode: enforce }');
    expect(status(m, 'search', 'TM-INJECTION')).toBe('mitigated');
    expect(status(m, 'createTransfer', 'TM-SSRF')).toBe('partial');
    expect(status(await modelFor('injection: { mode: monitor }'), 'search', 'TM-INJECTION')).toBe('partial');
    expect(status(await modelFor('injection: { ignore: [sqli] }'), 'search', 'TM-INJECTION')).toBe('partial');
    expect(status(await modelFor('injection: { ignore: [ssrf] }'), 'createTransfer', 'TM-SSRF')).toBe('none');
    expect(status(await modelFor('contract: { mode: enforce }'), 'search', 'TM-INJECTION')).toBe('none');
  });

  it('the contract mitigates mass assignment of undeclared and read-only fields, never of declared privileged ones', async () => {
    const defaults = await modelFor('contract: {}');
    expect(status(defaults, 'updateAccount', 'TM-MASS-UNDECLARED')).toBe('mitigated');
    expect(status(defaults, 'updateAccount', 'TM-MASS-READONLY')).toBe('mitigated');
    expect(status(defaults, 'updateAccount', 'TM-MASS-PRIVILEGED')).toBe('none');
    expect(status(await modelFor('contract: { unknownFields: allow }'), 'updateAccount', 'TM-MASS-UNDECLARED')).toBe('none');
    expect(status(await modelFor('contract: { readOnly: allow }'), 'updateAccount', 'TM-MASS-READONLY')).toBe('none');
    expect(status(await modelFor('contract: { mode: monitor }'), 'updateAccount', 'TM-MASS-UNDECLARED')).toBe('partial');
    expect(status(await modelFor('contract: { mode: off }'), 'updateAccount', 'TM-MASS-UNDECLARED')).toBe('none');
  });

  it('an authorization admin selector mitigates an administrative function', async () => {
    expect(status(await modelFor('authorization:\n  admin: { paths: ["/admin/*"], roles: [admin] }'), 'closeAccount', 'TM-BFLA-ADMIN')).toBe('mitigated');
    expect(status(await modelFor('authorization:\n  admin: { paths: ["/other/*"], roles: [admin] }'), 'closeAccount', 'TM-BFLA-ADMIN')).toBe('none');
    const opened = await modelFor('authorization:\n  admin: { paths: ["/admin/*"], roles: [admin] }\n  rules: [{ operations: [closeAccount], public: true }]');
    expect(status(opened, 'closeAccount', 'TM-BFLA-ADMIN')).toBe('none');
    // The document's read scope is held by ordinary callers too: it grants nothing administrative.
    expect(status(await modelFor('contract: {}'), 'closeAccount', 'TM-BFLA-ADMIN')).toBe('none');
    // A scope only the administrative operation requires is a grant of its own, which the gateway checks.
    const own = structuredClone(doc);
    own.paths['/admin/accounts/{accountId}'].delete.security = [{ oauth: ['accounts:admin'] }];
    writeFileSync(path.join(dir, 'own.yaml'), stringify(own));
    expect(status(await modelFor('contract: {}', '', 'own.yaml'), 'closeAccount', 'TM-BFLA-ADMIN')).toBe('mitigated');
    expect(status(await modelFor('authentication: { mode: monitor }', '', 'own.yaml'), 'closeAccount', 'TM-BFLA-ADMIN')).toBe('partial');
  });

  it('strict authorization refuses a change no scope or rule covers', async () => {
    const unscoped = structuredClone(doc);
    unscoped.paths['/transfers'].post.security = [{ oauth: [] }];
    writeFileSync(path.join(dir, 'unscoped.yaml'), stringify(unscoped));
    expect(status(await modelFor('contract: {}', '', 'unscoped.yaml'), 'createTransfer', 'TM-BFLA-UNSCOPED')).toBe('none');
    const strict = await modelFor('authorization: { strict: true }', '', 'unscoped.yaml');
    expect(threatOn(strict, 'createTransfer', 'TM-BFLA-UNSCOPED')?.mitigation.by[0]?.path).toBe('apis[0].policies.authorization.strict');
    expect(status(strict, 'createTransfer', 'TM-BFLA-UNSCOPED')).toBe('mitigated');
    expect(status(await modelFor('authorization: { strict: true, mode: monitor }', '', 'unscoped.yaml'), 'createTransfer', 'TM-BFLA-UNSCOPED')).toBe('partial');
  });

  it('document threats: token verification from identity.issuers, transport from the listeners', async () => {
    const issuer = 'identity:\n  issuers:\n    - { issuer: https://id.bank.example, audience: bank, jwks: https://id.bank.example/jwks, algorithms: [ES256] }\n';
    const withIssuer = await modelFor('contract: {}', issuer);
    const token = withIssuer.document.find((t) => t.id === 'TM-SCHEME-TOKEN');
    expect(token?.mitigation.status).toBe('mitigated');
    expect(token?.mitigation.by[0]?.path).toBe('identity.issuers[0]');
    expect((await modelFor('contract: {}')).document.find((t) => t.id === 'TM-SCHEME-TOKEN')?.mitigation.status).toBe('none');
  });

  it('ranks operations by the risk that remains: mitigating the worst moves it down', async () => {
    const bare = await modelFor('contract: {}');
    const worst = bare.operations[0]?.id as string;
    const risks = bare.operations.map((o) => o.risk);
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
    const before = bare.operations[0]?.risk ?? 0;
    expect(before).toBeGreaterThan(0);
    expect(bare.gateway).toEqual({ file: path.join(dir, 'gatehouse.yaml'), apis: ['bank'] });
    expect(bare.totals.unmitigated).toBeGreaterThan(0);
    expect(['login', 'closeAccount', 'createTransfer']).toContain(worst);
  });

  it('refuses a config none of whose APIs serves the spec', async () => {
    const other = path.join(dir, 'other.yaml');
    writeFileSync(other, stringify(doc));
    const config = await parseConfig('version: "1"\napis:\n  - { name: x, spec: other.yaml, upstream: { url: "http://127.0.0.1:1" } }\n', path.join(dir, 'g2.yaml'), { env: {} });
    const spec = await loadSpec(specFile);
    expect(() => buildThreatModel(spec, { config })).toThrow(SpecNotServedError);
  });
});
