import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ApiConfig, GatehouseConfig } from '../../config/types.js';
import type { RequestContext } from '../../gateway/context.js';
import { queryDecisions } from '../../identity/audit-trail.js';
import { identityRuntime } from '../../identity/runtime.js';
import { createMetrics } from '../../observe/metrics.js';
import type { LoadedSpec, Operation } from '../../openapi/types.js';
import { createMemoryStore } from '../../store/index.js';
import type { PolicyInstance, RuntimeScope } from '../types.js';
import { authenticationPolicy } from './policy.js';

const store = createMemoryStore();
const values = new Map<string, unknown>();
const scope: RuntimeScope = {
  services: { logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), store, observers: [] },
  once<T>(key: string, make: () => T): T {
    if (!values.has(key)) values.set(key, make());
    return values.get(key) as T;
  },
  onClose: () => undefined,
};
const api = { name: 'shop', policies: {} } as unknown as ApiConfig;
// No issuer configured: every bearer token fails, synchronously, without a network.
const config = { file: 'x', apis: [api] } as unknown as GatehouseConfig;
const spec = { file: 'x', operations: [], securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } as unknown as LoadedSpec;

let operations = 0;
function policy(security: Operation['security']): PolicyInstance | undefined {
  // Route security is compiled once per operation id: each case is an operation of its own.
  const id = `op${++operations}`;
  const operation = { id, operationId: id, security, parameters: [], extensions: {} } as unknown as Operation;
  return authenticationPolicy({ scope, config, api, spec, operation, validators: undefined });
}

function request(id: string, headers: Record<string, string> = {}): RequestContext {
  return { id, req: { headers }, secure: false, identity: undefined, deniedBy: undefined, upstreamStatus: 0, method: 'GET', clientIp: '10.0.0.1', api: { name: 'shop' }, route: { label: 'GET /browse' } } as unknown as RequestContext;
}

async function trail(): Promise<Record<string, unknown>[]> {
  await identityRuntime(scope, config).trail?.flush();
  return (await queryDecisions(store.records, 'identity-decisions')).map((r) => r.data as Record<string, unknown>);
}

describe('authentication of an operation with optional security', () => {
  it('lets an anonymous caller through synchronously and writes no decision for it', async () => {
    const p = policy([{}, { bearer: [] }]);
    const ctx = request('anon');
    // Not a promise: an anonymous call costs a header read, no microtask, no allocation.
    expect(p?.request?.(ctx)).toBeUndefined();
    p?.log?.(ctx);
    expect((await trail()).filter((d) => d.requestId === 'anon')).toEqual([]);
  });

  it('checks a token that is sent and records its refusal', async () => {
    const p = policy([{}, { bearer: [] }]);
    const ctx = request('sent', { authorization: 'Bearer abc.def.ghi' });
    expect(await p?.request?.(ctx)).toMatchObject({ code: 'GH_AUTHN_INVALID', headers: { 'www-authenticate': expect.stringContaining('error="invalid_token"') as unknown } });
    ctx.deniedBy = 'authenticate';
    p?.log?.(ctx);
    expect((await trail()).find((d) => d.requestId === 'sent')).toMatchObject({ decision: 'deny', policy: 'authenticate', code: 'GH_AUTHN_INVALID' });
  });

  it('builds no policy when the only alternative is {} or names unsupported schemes only', () => {
    expect(policy([{}])).toBeUndefined();
    expect(policy([{}, { unknownScheme: [] }])).toBeUndefined();
    expect(policy([{ bearer: [] }])).toBeDefined();
  });
});
