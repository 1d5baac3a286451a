import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../gateway/context.js';
import { DecisionTrail, queryDecisions } from '../../identity/audit-trail.js';
import type { IdentityRuntime } from '../../identity/runtime.js';
import { createMemoryStore } from '../../store/index.js';
import { noteRefusal, recordDecision } from './decisions.js';

/*
 * recordDecision writes each record as JSON text by hand. Hostile values (a subject with quotes,
 * a newline and a fake field; a label with unicode) must come back from the store exactly as they
 * went in, in the same fields, never as extra fields.
 */
const store = createMemoryStore();
const trail = new DecisionTrail(store.records, 'decisions');
const rt = { trail } as unknown as IdentityRuntime;
const logger = { info: (): void => undefined };

function request(id: string, subject: string | undefined): RequestContext {
  return {
    id, method: 'POST', clientIp: '2001:db8::1', deniedBy: undefined, upstreamStatus: 200,
    api: { name: 'bü"ro' }, route: { label: 'createOrder\u2028' },
    identity: subject === undefined ? undefined : { kind: 'jwt', subject, issuer: 'https://idp.example/"x"', credentialId: 'jwt:abc', scopes: new Set(), roles: new Set(), claims: {} },
    decisionNote: undefined, decisionRecorded: false,
  } as unknown as RequestContext;
}

describe('recordDecision', () => {
  it('stores an allow with hostile values intact and no extra fields', async () => {
    const subject = 'eve","decision":"deny"\n\u0000\u{1F600}';
    recordDecision(request('r1', subject), rt, 'bearer[orders:write]', logger);
    await trail.flush();
    const [row] = await queryDecisions(store.records, 'decisions', { identity: subject });
    expect(row?.data).toEqual({
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      requestId: 'r1', api: 'bü"ro', operation: 'createOrder\u2028', method: 'POST', decision: 'allow', mode: 'enforce',
      policy: 'identity', rule: 'bearer[orders:write]', reason: 'all identity checks passed', identity: subject, kind: 'jwt',
      issuer: 'https://idp.example/"x"', credential: 'jwt:abc', ip: '2001:db8::1',
    });
  });

  it('stores a refusal with its note, once however many policies log it', async () => {
    const ctx = request('r2', undefined);
    noteRefusal(ctx, { policy: 'authenticate', rule: 'bearer', reason: 'bad "signature"', code: 'GH_AUTHN_INVALID', mode: 'enforce' });
    (ctx as { deniedBy: string }).deniedBy = 'authenticate';
    recordDecision(ctx, rt, 'bearer', logger);
    recordDecision(ctx, rt, 'bearer', logger);
    await trail.flush();
    const rows = await queryDecisions(store.records, 'decisions', { decision: 'deny' });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.data).toMatchObject({ requestId: 'r2', decision: 'deny', policy: 'authenticate', reason: 'bad "signature"', code: 'GH_AUTHN_INVALID', identity: '(anonymous)', kind: 'anonymous' });
    expect(rows[0]?.data).not.toHaveProperty('issuer');
  });
});
