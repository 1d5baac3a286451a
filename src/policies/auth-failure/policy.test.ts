import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../gateway/context.js';
import { createMemoryStore, type Store } from '../../store/index.js';
import type { PolicyInstance } from '../types.js';
import { standalonePolicy } from '../../../test/helpers/policy.js';
import { authFailurePolicy } from './policy.js';

/** Two failures per address per hour; failures are counted by the log phase, as in the gateway. */
function policy(store: Store): PolicyInstance {
  const authFailures = { mode: 'enforce', onStoreFailure: 'closed', perIp: { count: 2, windowMs: 3_600_000 }, perIdentity: undefined, identityFrom: undefined };
  return standalonePolicy(authFailurePolicy, { authFailures }, store);
}

const attempt = (ip: string, refused: boolean): RequestContext =>
  ({ clientIp: ip, identity: undefined, upstreamStatus: refused ? 401 : 200, denial: undefined } as unknown as RequestContext);

/** The log phase records through the store asynchronously: let it land. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the failed-authentication budget', () => {
  it('refuses an address that spent its budget, answering at once on the in-process store', async () => {
    const p = policy(createMemoryStore());
    expect(p.request?.(attempt('10.0.0.1', true))).toBeUndefined();
    for (let i = 0; i < 2; i++) { p.log?.(attempt('10.0.0.1', true)); await settle(); }
    expect(p.request?.(attempt('10.0.0.1', true))).toMatchObject({ code: 'GH_AUTHN_TOO_MANY_FAILURES' });
    // Another address has its own budget.
    expect(p.request?.(attempt('10.0.0.2', true))).toBeUndefined();
  });

  it('goes through the store where it answers over I/O, and fails closed once it is closed', async () => {
    const memory = createMemoryStore();
    const { gcraNow: _omitted, ...remote } = memory.counters;
    const p = policy({ ...memory, counters: remote });
    const pending = p.request?.(attempt('10.0.0.3', true));
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBeUndefined();
    for (let i = 0; i < 2; i++) { p.log?.(attempt('10.0.0.3', true)); await settle(); }
    expect(await p.request?.(attempt('10.0.0.3', true))).toMatchObject({ code: 'GH_AUTHN_TOO_MANY_FAILURES' });

    const closing = createMemoryStore();
    const q = policy(closing);
    await closing.close();
    expect(await q.request?.(attempt('10.0.0.4', true))).toMatchObject({ code: 'GH_DEPENDENCY_UNAVAILABLE' });
  });
});
