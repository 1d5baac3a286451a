/**
 * Precision of the rules that judge by a name (issue 19): each case is a real-world false positive
 * that must stay quiet, beside the true positive of the same rule that must still fire.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { auditFile } from '../../src/audit/engine.js';
import type { Finding } from '../../src/audit/types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gh-audit-precision-'));
let n = 0;

/** A 3.x document with one GET /things whose 200 response is `responseSchema`, and extra paths/components. */
async function audit(parts: { openapi?: string; response?: unknown; request?: unknown; parameters?: unknown[]; paths?: Record<string, unknown>; schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> }): Promise<readonly Finding[]> {
  const op: Record<string, unknown> = { operationId: 'op', responses: { '200': { description: 'ok', content: { 'application/json': { schema: parts.response ?? { type: 'object' } } } } } };
  if (parts.parameters !== undefined) op.parameters = parts.parameters;
  const paths: Record<string, unknown> = { '/things': { get: op }, ...(parts.paths ?? {}) };
  if (parts.request !== undefined) paths['/things'] = { ...(paths['/things'] as object), post: { operationId: 'create', requestBody: { content: { 'application/json': { schema: parts.request } } }, responses: { '201': { description: 'ok' } } } };
  const doc = {
    openapi: parts.openapi ?? '3.0.3', info: { title: 't', version: '1' }, paths,
    components: { schemas: parts.schemas ?? {}, securitySchemes: parts.securitySchemes ?? {} },
  };
  const file = path.join(dir, `spec-${n++}.yaml`);
  writeFileSync(file, stringify(doc));
  return (await auditFile(file)).findings;
}
const of = (fs: readonly Finding[], id: string): Finding[] => fs.filter((f) => f.ruleId === id);

describe('GH-DATA-001 looks at the type and shape, not only the name', () => {
  it('stays quiet on company officers, flags, permission enums, objects and lists of objects', async () => {
    const fs = await audit({
      response: {
        type: 'object', properties: {
          secretaries: { type: 'array', items: { type: 'string' } },
          secret_scanning_enabled: { type: 'boolean' },
          verifiable_password_authentication: { type: 'boolean' },
          dependabot_secrets: { type: 'string', enum: ['read', 'write'] },
          password_changed_at: { type: 'string', format: 'date-time' },
          secret: { $ref: '#/components/schemas/SecretRef' },
          secrets: { type: 'array', items: { $ref: '#/components/schemas/SecretRef' } },
          secret_name: { type: 'string' },
        },
      },
      schemas: { SecretRef: { type: 'object', properties: { name: { type: 'string' } } } },
    });
    expect(of(fs, 'GH-DATA-001').map((f) => f.pointer)).toEqual([]);
  });

  it('fires HIGH with high confidence on a string password, and says how sure it is otherwise', async () => {
    const fs = await audit({
      response: { type: 'object', properties: { password: { type: 'string' }, db_password: { type: 'string' }, api_secret: {} } },
    });
    const byName = Object.fromEntries(of(fs, 'GH-DATA-001').map((f) => [f.pointer.split('/').pop(), [f.severity, f.confidence]]));
    expect(byName).toEqual({ password: ['high', 'high'], db_password: ['high', 'medium'], api_secret: ['medium', 'low'] });
  });

  it('follows a $ref to a string: a password behind a reference is still a password', async () => {
    const fs = await audit({ response: { type: 'object', properties: { password: { $ref: '#/components/schemas/Pw' } } }, schemas: { Pw: { type: 'string' } } });
    expect(of(fs, 'GH-DATA-001')).toHaveLength(1);
  });
});

describe('GH-AUTH-005 and GH-DATA-005 on query parameters', () => {
  it('a cache `key` is not a credential; a `key` described as an API key is', async () => {
    const quiet = await audit({ parameters: [{ name: 'key', in: 'query', description: 'cache key of the search', schema: { type: 'string' } }] });
    expect(of(quiet, 'GH-AUTH-005')).toEqual([]);
    const loud = await audit({ parameters: [{ name: 'key', in: 'query', description: 'Your API key', schema: { type: 'string' } }] });
    expect(of(loud, 'GH-AUTH-005').map((f) => f.confidence)).toEqual(['medium']);
  });

  it('a `password` query parameter is one finding (GH-AUTH-005), not two', async () => {
    const fs = await audit({ parameters: [{ name: 'password', in: 'query', schema: { type: 'string' } }] });
    expect(fs.filter((f) => f.pointer.endsWith('/parameters/0')).map((f) => f.ruleId)).toEqual(['GH-AUTH-005']);
  });

  it('a boolean `token` switch is not a credential; an `email` address still is personal data', async () => {
    const fs = await audit({ parameters: [{ name: 'token', in: 'query', schema: { type: 'boolean' } }, { name: 'email', in: 'query', schema: { type: 'string', format: 'email' } }] });
    expect(of(fs, 'GH-AUTH-005')).toEqual([]);
    expect(of(fs, 'GH-DATA-005')).toHaveLength(1);
  });

  it('the query parameter an apiKey scheme reads is GH-AUTH-004\'s finding only', async () => {
    const fs = await audit({
      parameters: [{ name: 'api_key', in: 'query', schema: { type: 'string' } }],
      securitySchemes: { k: { type: 'apiKey', in: 'query', name: 'api_key' } },
    });
    expect(of(fs, 'GH-AUTH-004')).toHaveLength(1);
    expect(of(fs, 'GH-AUTH-005')).toEqual([]);
  });
});

describe('GH-DATA-006 debug details', () => {
  it('a `stack` that is a $ref to an object is not a stack trace; a string `stack` is', async () => {
    const quiet = await audit({ response: { type: 'object', properties: { stack: { $ref: '#/components/schemas/Stack' }, debug: { type: 'boolean' } } }, schemas: { Stack: { type: 'object', properties: { language: { type: 'string' } } } } });
    expect(of(quiet, 'GH-DATA-006')).toEqual([]);
    const loud = await audit({ response: { type: 'object', properties: { stack: { type: 'string' }, stackTrace: { type: 'array', items: { type: 'string' } } } } });
    expect(of(loud, 'GH-DATA-006').map((f) => f.pointer.split('/').pop()).sort()).toEqual(['stack', 'stackTrace']);
  });
});

describe('GH-OP-005 debug endpoints', () => {
  it('`/hooks/{id}/tests` is a resource action; `/internal/…`, `/v1/test/…` and `/debug` are internal', async () => {
    const ok = { description: 'ok' };
    const fs = await audit({
      paths: {
        '/hooks/{id}/tests': { post: { operationId: 'testHook', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': ok } } },
        '/internal/jobs': { get: { operationId: 'jobs', responses: { '200': ok } } },
        '/v1/test/echo': { get: { operationId: 'echo', responses: { '200': ok } } },
        '/app/debug': { get: { operationId: 'dbg', responses: { '200': ok } } },
      },
    });
    expect(of(fs, 'GH-OP-005').map((f) => f.message.split(' ')[1]).sort()).toEqual(['/app/debug', '/internal/jobs', '/v1/test/echo']);
  });
});

describe('GH-INPUT-004 on composed schemas', () => {
  const base = { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } };
  const extra = { type: 'object', properties: { size: { type: 'integer', minimum: 0, maximum: 9 } } };

  it('lands on the composed schema, never on an allOf member (3.0), with advice that fits 3.0', async () => {
    const fs = await audit({ request: { $ref: '#/components/schemas/Composed' }, schemas: { Base: base, Extra: extra, Composed: { allOf: [{ $ref: '#/components/schemas/Base' }, { $ref: '#/components/schemas/Extra' }] } } });
    const hits = of(fs, 'GH-INPUT-004');
    expect(hits.map((f) => f.pointer)).toEqual(['/components/schemas/Composed']);
    expect(hits[0]?.message).toContain('3.0 cannot close an allOf');
  });

  it('a member used on its own elsewhere is still not told to close itself', async () => {
    const fs = await audit({
      request: { $ref: '#/components/schemas/Base' },
      paths: { '/other': { post: { operationId: 'o', requestBody: { content: { 'application/json': { schema: { allOf: [{ $ref: '#/components/schemas/Base' }, extra] } } } }, responses: { '201': { description: 'ok' } } } } },
      schemas: { Base: base },
    });
    expect(of(fs, 'GH-INPUT-004').map((f) => f.pointer)).toEqual(['/paths/~1other/post/requestBody/content/application~1json/schema']);
  });

  it('3.1: a composition closed with unevaluatedProperties: false has no finding, on it or its members', async () => {
    const closed = await audit({ openapi: '3.1.0', request: { $ref: '#/components/schemas/Composed' }, schemas: { Base: base, Composed: { allOf: [{ $ref: '#/components/schemas/Base' }, extra], unevaluatedProperties: false } } });
    expect(of(closed, 'GH-INPUT-004')).toEqual([]);
    const open = await audit({ openapi: '3.1.0', request: { $ref: '#/components/schemas/Composed' }, schemas: { Base: base, Composed: { allOf: [{ $ref: '#/components/schemas/Base' }, extra] } } });
    expect(of(open, 'GH-INPUT-004').map((f) => [f.pointer, f.message.includes('unevaluatedProperties: false')])).toEqual([['/components/schemas/Composed', true]]);
  });

  it('3.1: a $ref with a sibling unevaluatedProperties: false closes the referenced schema', async () => {
    const fs = await audit({ openapi: '3.1.0', request: { $ref: '#/components/schemas/Base', unevaluatedProperties: false }, schemas: { Base: base } });
    expect(of(fs, 'GH-INPUT-004')).toEqual([]);
  });

  it('a free-form object (`metadata`) is a map to bound, not a mass-assignment finding', async () => {
    const fs = await audit({ request: { type: 'object', additionalProperties: false, properties: { metadata: { type: 'object' } } } });
    expect(of(fs, 'GH-INPUT-004')).toEqual([]);
    expect(of(fs, 'GH-INPUT-010').map((f) => f.pointer)).toEqual(['/paths/~1things/post/requestBody/content/application~1json/schema/properties/metadata']);
  });

  it('a plain open object is still a finding', async () => {
    const fs = await audit({ request: base });
    expect(of(fs, 'GH-INPUT-004')).toHaveLength(1);
  });
});
