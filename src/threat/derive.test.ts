import { describe, expect, it } from 'vitest';
import { RawDoc } from '../audit/raw.js';
import { buildThreatModel } from './model.js';
import { modelWith, specWith, threatIds, threatOn, type Doc } from './testing.js';

/*
 * Each derivation is shown to depend on the spec fact it cites: the fixture is changed in that
 * one fact, and the threat appears or disappears with it.
 */
const base = modelWith(() => {});

const body = (d: Doc): Doc => d.paths['/transfers'].post.requestBody.content['application/json'].schema;
const account = (d: Doc): Doc => d.components.schemas.Account;

describe('threats follow the facts of the spec', () => {
  it('derives nothing for an operation the spec gives no reason to suspect', () => {
    expect(threatIds(base, 'status')).toEqual([]);
  });

  it('starts from the fixture\'s own threats', () => {
    expect(threatIds(base, 'getAccount')).toEqual(['TM-BOLA-READ']);
    expect(threatIds(base, 'search')).toEqual(['TM-DOS-PAGE', 'TM-INJECTION']);
    expect(threatIds(base, 'createTransfer')).toEqual(['TM-FLOW-AUTOMATION']);
  });

  it('TM-AUTHN-NONE appears with security: [] and names where it is written', () => {
    const m = modelWith((d) => { d.paths['/status'].get.security = []; });
    const t = threatOn(m, 'status', 'TM-AUTHN-NONE');
    expect(t?.because[0]?.pointer).toBe('/paths/~1status/get/security');
    expect(t?.severity).toBe('low');
    expect(threatIds(modelWith((d) => { d.security = []; }), 'status')).toContain('TM-AUTHN-NONE');
  });

  it('TM-AUTHN-NONE for optional credentials, rated by what the operation does', () => {
    const m = modelWith((d) => { d.paths['/transfers'].post.security = [{}, { oauth: ['transfers:write'] }]; });
    const t = threatOn(m, 'createTransfer', 'TM-AUTHN-NONE');
    expect(t?.title).toMatch(/optional/);
    expect(t?.severity).toBe('medium');
    expect(threatOn(modelWith((d) => { d.paths['/transfers'].post.security = []; }), 'createTransfer', 'TM-AUTHN-NONE')?.severity).toBe('high');
  });

  it('TM-REPUDIATION-ANON only for an anonymous change', () => {
    expect(threatIds(modelWith((d) => { d.paths['/transfers'].post.security = []; }), 'createTransfer')).toContain('TM-REPUDIATION-ANON');
    expect(threatIds(modelWith((d) => { d.paths['/status'].get.security = []; }), 'status')).not.toContain('TM-REPUDIATION-ANON');
  });

  it('TM-BOLA-READ goes with the identifier: a fixed choice or no parameter is none', () => {
    expect(threatOn(base, 'getAccount', 'TM-BOLA-READ')?.because[0]?.pointer).toBe('/paths/~1accounts~1{accountId}/parameters/0');
    const fixed = modelWith((d) => { d.paths['/accounts/{accountId}'].parameters[0].schema = { type: 'string', enum: ['checking', 'savings'] }; });
    expect(threatIds(fixed, 'getAccount')).not.toContain('TM-BOLA-READ');
    const me = modelWith((d) => {
      d.paths['/accounts/me'] = { get: { ...d.paths['/accounts/{accountId}'].get, operationId: 'getMine' } };
      delete d.paths['/accounts/{accountId}'];
    });
    expect(threatIds(me, 'getMine')).toEqual([]);
  });

  it('TM-BOLA-READ for a record or an account in the path, not for a public name', () => {
    const rename = (name: string, schema: Doc) => modelWith((d) => {
      d.paths[`/things/{${name}}`] = d.paths['/accounts/{accountId}'];
      d.paths[`/things/{${name}}`].parameters[0] = { name, in: 'path', required: true, schema };
      delete d.paths['/accounts/{accountId}'];
    });
    expect(threatIds(rename('tagName', { type: 'string' }), 'getAccount')).not.toContain('TM-BOLA-READ');
    expect(threatIds(rename('country', { type: 'string' }), 'getAccount')).not.toContain('TM-BOLA-READ');
    expect(threatIds(rename('thingId', { type: 'string' }), 'getAccount')).toContain('TM-BOLA-READ');
    expect(threatIds(rename('number', { type: 'integer' }), 'getAccount')).toContain('TM-BOLA-READ');
    expect(threatIds(rename('username', { type: 'string' }), 'getAccount')).toContain('TM-BOLA-READ');
  });

  it('TM-BOLA-READ is high when the object carries personal data', () => {
    expect(threatOn(base, 'getAccount', 'TM-BOLA-READ')?.severity).toBe('medium');
    const m = modelWith((d) => { account(d).properties.email = { type: 'string', format: 'email' }; });
    expect(threatOn(m, 'getAccount', 'TM-BOLA-READ')?.severity).toBe('high');
  });

  it('TM-BOLA-WRITE for an identifier in the body of a change', () => {
    const m = modelWith((d) => { body(d).properties.fromAccountId = { type: 'string', format: 'uuid' }; });
    const t = threatOn(m, 'createTransfer', 'TM-BOLA-WRITE');
    expect(t?.because.map((e) => e.pointer)).toContain('/paths/~1transfers/post/requestBody/content/application~1json/schema/properties/fromAccountId');
    expect(threatIds(modelWith((d) => { body(d).properties.fromAccount = { type: 'string', format: 'uuid' }; }), 'createTransfer')).not.toContain('TM-BOLA-WRITE');
  });

  it('TM-MASS-READONLY, -PRIVILEGED and -UNDECLARED follow the request schema', () => {
    const shared = modelWith((d) => { d.paths['/transfers'].post.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/Account' }; });
    const ids = threatIds(shared, 'createTransfer');
    expect(ids).toEqual(expect.arrayContaining(['TM-MASS-READONLY', 'TM-MASS-PRIVILEGED', 'TM-MASS-UNDECLARED']));
    // Cited where the shared schema is written, not where it is used.
    expect(threatOn(shared, 'createTransfer', 'TM-MASS-READONLY')?.because.map((e) => e.pointer)).toContain('/components/schemas/Account/properties/id');
    expect(threatOn(shared, 'createTransfer', 'TM-MASS-PRIVILEGED')?.because.map((e) => e.pointer)).toContain('/components/schemas/Account/properties/balance');
    const closed = modelWith((d) => {
      d.paths['/transfers'].post.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/Account' };
      account(d).additionalProperties = false;
      account(d).properties.balance.readOnly = true;
      delete account(d).properties.id;
    });
    const left = threatIds(closed, 'createTransfer');
    expect(left).not.toContain('TM-MASS-UNDECLARED');
    expect(left).not.toContain('TM-MASS-PRIVILEGED');
    expect(left).toContain('TM-MASS-READONLY');
    expect(threatIds(modelWith((d) => { delete body(d).additionalProperties; }), 'createTransfer')).toContain('TM-MASS-UNDECLARED');
  });

  it('TM-DATA-SECRET and TM-DATA-PERSONAL follow the response fields', () => {
    const m = modelWith((d) => { account(d).properties.apiSecret = { type: 'string' }; account(d).properties.phone = { type: 'string' }; });
    expect(threatOn(m, 'getAccount', 'TM-DATA-SECRET')?.because[0]?.pointer).toBe('/components/schemas/Account/properties/apiSecret');
    expect(threatOn(m, 'getAccount', 'TM-DATA-PERSONAL')?.because[0]?.pointer).toBe('/components/schemas/Account/properties/phone');
    const secretaries = modelWith((d) => { account(d).properties.secretaries = { type: 'array', items: { type: 'string' } }; account(d).properties.secretaryName = { type: 'string' }; });
    expect(threatIds(secretaries, 'getAccount')).not.toContain('TM-DATA-SECRET');
    const writeOnly = modelWith((d) => { account(d).properties.apiSecret = { type: 'string', writeOnly: true }; });
    expect(threatIds(writeOnly, 'getAccount')).not.toContain('TM-DATA-SECRET');
  });

  it('cites a field once when the spec serves the same schema in two media types', () => {
    const m = modelWith((d) => {
      account(d).properties.email = { type: 'string', format: 'email' };
      const ok = d.paths['/accounts/{accountId}'].get.responses['200'];
      ok.content['application/xml'] = ok.content['application/json'];
    });
    expect(threatOn(m, 'getAccount', 'TM-DATA-PERSONAL')?.because.map((e) => e.pointer)).toEqual(['/components/schemas/Account/properties/email']);
  });

  it('TM-DATA-URL for a credential or personal data in the query string', () => {
    const m = modelWith((d) => { d.paths['/search'].get.parameters.push({ name: 'email', in: 'query', schema: { type: 'string', format: 'email' } }); });
    expect(threatIds(m, 'search')).toContain('TM-DATA-URL');
    const header = modelWith((d) => { d.paths['/search'].get.parameters.push({ name: 'email', in: 'header', schema: { type: 'string', format: 'email' } }); });
    expect(threatIds(header, 'search')).not.toContain('TM-DATA-URL');
  });

  it('TM-DOS-INPUT for a string or array without bound, TM-DOS-PAGE for a page size without maximum', () => {
    expect(threatIds(modelWith((d) => { delete body(d).properties.memo.maxLength; delete body(d).properties.memo.pattern; }), 'createTransfer')).toContain('TM-DOS-INPUT');
    expect(threatIds(modelWith((d) => { body(d).properties.tags = { type: 'array', items: { type: 'string', enum: ['a'] } }; }), 'createTransfer')).toContain('TM-DOS-INPUT');
    expect(threatIds(modelWith((d) => { d.paths['/search'].get.parameters[1].schema.maximum = 50; }), 'search')).not.toContain('TM-DOS-PAGE');
  });

  it('TM-FLOW-AUTOMATION for a POST, not for other changes', () => {
    const put = modelWith((d) => { d.paths['/transfers'].put = d.paths['/transfers'].post; delete d.paths['/transfers'].post; d.paths['/transfers'].put.operationId = 'putTransfer'; });
    expect(threatIds(put, 'putTransfer')).not.toContain('TM-FLOW-AUTOMATION');
  });

  it('TM-INJECTION for free text, gone once the value has a shape', () => {
    const free = modelWith((d) => { delete body(d).properties.memo.pattern; });
    expect(threatOn(free, 'createTransfer', 'TM-INJECTION')?.because[0]?.says).toMatch(/`memo`/);
    expect(threatIds(base, 'createTransfer')).not.toContain('TM-INJECTION');
    // A length bound is not a shape: q is still free text, until it has one.
    expect(threatIds(base, 'search')).toContain('TM-INJECTION');
    expect(threatIds(modelWith((d) => { d.paths['/search'].get.parameters[0].schema.pattern = '^[a-z ]*$'; }), 'search')).not.toContain('TM-INJECTION');
  });

  it('TM-SSRF for a URL the service is given', () => {
    const m = modelWith((d) => { body(d).properties.callback = { type: 'string', format: 'uri', maxLength: 2000 }; });
    expect(threatOn(m, 'createTransfer', 'TM-SSRF')?.scanChecks).toEqual(['ssrf', 'open-redirect']);
    expect(threatIds(modelWith((d) => { body(d).properties.callback = { type: 'string', enum: ['a'] }; }), 'createTransfer')).not.toContain('TM-SSRF');
  });

  it('TM-BFLA-ADMIN for an administrative path or tag, TM-BFLA-UNSCOPED for a change without the scopes others need', () => {
    const admin = modelWith((d) => { d.paths['/admin/status'] = { get: { ...d.paths['/status'].get, operationId: 'adminStatus' } }; });
    expect(threatIds(admin, 'adminStatus')).toEqual(['TM-BFLA-ADMIN']);
    const tagged = modelWith((d) => { d.paths['/status'].get.tags = ['internal']; });
    expect(threatOn(tagged, 'status', 'TM-BFLA-ADMIN')?.because[0]?.pointer).toBe('/paths/~1status/get/tags/0');
    const unscoped = modelWith((d) => { d.paths['/transfers'].post.security = [{ oauth: [] }]; });
    expect(threatIds(unscoped, 'createTransfer')).toContain('TM-BFLA-UNSCOPED');
    expect(threatIds(base, 'createTransfer')).not.toContain('TM-BFLA-UNSCOPED');
  });

  it('TM-AUTHN-GUESS for a password or one-time code the caller sends', () => {
    const m = modelWith((d) => { body(d).properties.otp = { type: 'string', pattern: '^[0-9]{6}$' }; });
    expect(threatIds(m, 'createTransfer')).toContain('TM-AUTHN-GUESS');
  });

  it('document threats: plain HTTP servers, keys in the URL, bearer tokens, Basic and legacy OAuth2 flows', () => {
    expect(base.document.map((t) => t.id)).toEqual(['TM-SCHEME-TOKEN']);
    const plain = modelWith((d) => { d.servers = [{ url: 'http://api.bank.example/v2' }, { url: 'http://localhost:8080' }]; });
    expect(plain.document.filter((t) => t.id === 'TM-TRANSPORT-HTTP').map((t) => t.because.map((e) => e.pointer))).toEqual([['/servers/0/url']]);
    const schemes = modelWith((d) => {
      d.components.securitySchemes = {
        key: { type: 'apiKey', in: 'query', name: 'api_key' },
        basic: { type: 'http', scheme: 'basic' },
        jwt: { type: 'http', scheme: 'bearer' },
        old: { type: 'oauth2', flows: { implicit: { authorizationUrl: 'https://id.example/a', scopes: {} } } },
        unused: { type: 'apiKey', in: 'query', name: 'x' },
      };
      d.security = [{ key: [] }, { basic: [] }, { jwt: [] }, { old: [] }];
      delete d.paths['/transfers'].post.security;
    });
    expect(schemes.document.map((t) => t.id).sort()).toEqual(['TM-SCHEME-BASIC', 'TM-SCHEME-FLOW', 'TM-SCHEME-KEY-IN-URL', 'TM-SCHEME-TOKEN', 'TM-SCHEME-TOKEN']);
  });
});

describe('every threat names facts that are in the document', () => {
  it('each cited pointer resolves, with a line, and the threat has an OWASP category and a remedy', () => {
    const spec = specWith((d) => {
      d.paths['/transfers'].post.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/Account' };
      d.paths['/status'].get.security = [];
      d.servers = [{ url: 'http://api.bank.example' }];
    });
    const model = buildThreatModel(spec);
    const raw = new RawDoc(spec.raw);
    const threats = [...model.document, ...model.operations.flatMap((o) => o.threats)];
    expect(threats.length).toBeGreaterThan(5);
    for (const t of threats) {
      expect(t.because.length, t.id).toBeGreaterThan(0);
      for (const e of t.because) {
        expect(raw.get(e.pointer), `${t.id} ${e.pointer}`).toBeDefined();
        expect(e.line, `${t.id} ${e.pointer}`).toBeGreaterThan(0);
      }
      expect(t.owasp).toMatch(/^API\d+:2023$/);
      expect(t.remedy.length).toBeGreaterThan(20);
    }
  });

  it('links the audit findings raised at the cited places', () => {
    const m = modelWith((d) => { d.paths['/status'].get.security = []; });
    expect(threatOn(m, 'status', 'TM-AUTHN-NONE')?.auditFindings.map((f) => f.ruleId)).toEqual(['GH-AUTH-002']);
    expect(threatOn(base, 'createTransfer', 'TM-FLOW-AUTOMATION')?.auditFindings.map((f) => f.ruleId)).toContain('GH-RESP-003');
  });

  it('without a gateway config no threat counts as mitigated, and operations rank by severity', () => {
    expect(base.gateway).toBeUndefined();
    expect(base.totals.mitigated + base.totals.partial).toBe(0);
    const risks = base.operations.map((o) => o.risk);
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
    expect(base.operations.at(-1)?.id).toBe('status');
  });

  it('reads Swagger 2.0 the same way', () => {
    const v2 = `
swagger: '2.0'
info: { title: Pets, version: '1' }
host: pets.example
schemes: [http]
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{ name: petId, in: path, required: true, type: integer }]
      responses: { '200': { description: ok, schema: { $ref: '#/definitions/Pet' } } }
definitions:
  Pet: { type: object, properties: { ownerEmail: { type: string, format: email } } }
`;
    const m = modelWith(() => {}, {}, v2);
    expect(threatIds(m, 'getPet')).toEqual(expect.arrayContaining(['TM-BOLA-READ', 'TM-AUTHN-NONE', 'TM-DATA-PERSONAL']));
    expect(threatOn(m, 'getPet', 'TM-DATA-PERSONAL')?.because[0]?.pointer).toBe('/definitions/Pet/properties/ownerEmail');
    expect(m.document.map((t) => t.id)).toEqual(['TM-TRANSPORT-HTTP']);
  });
});
