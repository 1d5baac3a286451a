import { describe, expect, it } from 'vitest';
import { createMemoryStore, type KeyValue } from '../store/index.js';
import { ApiKeyStore } from './api-keys.js';

/** The real memory kv, with its reads counted: the work a refusal costs, without a clock. */
function countingKv(kv: KeyValue): { kv: KeyValue; reads: () => number } {
  let reads = 0;
  const counted = Object.create(kv) as KeyValue;
  counted.get = (key: string) => { reads++; return kv.get(key); };
  return { kv: counted, reads: () => reads };
}

describe('ApiKeyStore', () => {
  it('issues a key that verifies, stores only its hash, and lists it without the hash', async () => {
    const store = await createMemoryStore({});
    const keys = new ApiKeyStore(store.kv);
    const { key, record } = await keys.create({ name: 'ci-bot', scopes: ['orders:read'] });
    expect(key).toMatch(/^ghk_[0-9a-f]{12}_/);
    const raw = (await store.kv.list('apikey:')).map((e) => e.value).join();
    expect(raw).not.toContain(key);
    expect(raw).not.toContain(key.slice(18));
    const r = await keys.verify(key);
    expect(r.ok && r.identity.subject).toBe('ci-bot');
    expect(r.ok && [...r.identity.scopes]).toEqual(['orders:read']);
    const listed = await keys.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty('hash');
    expect(listed[0]?.id).toBe(record.id);
    await store.close();
  });

  it('refuses a key with the right id and a wrong secret', async () => {
    const store = await createMemoryStore({});
    const keys = new ApiKeyStore(store.kv);
    const { key } = await keys.create({ name: 'a' });
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const r = await keys.verify(forged);
    expect(!r.ok && r.reason).toContain('wrong secret');
    await store.close();
  });

  it('refuses a revoked key once the cache entry is gone, and at once in the revoking process', async () => {
    let now = 1_000_000;
    const store = await createMemoryStore({});
    const gateway = new ApiKeyStore(store.kv, { cacheTtlMs: 500, now: () => now });
    const cli = new ApiKeyStore(store.kv, { now: () => now });
    const { key, record } = await cli.create({ name: 'a' });
    expect((await gateway.verify(key)).ok).toBe(true);
    await cli.revoke(record.id);
    expect((await cli.verify(key)).ok).toBe(false);
    now += 501;
    const r = await gateway.verify(key);
    expect(!r.ok && r.code).toBe('GH_AUTHN_REVOKED');
    await store.close();
  });

  it('keeps a rotated key working during the overlap and refuses it after', async () => {
    let now = 1_000_000;
    const store = await createMemoryStore({});
    const keys = new ApiKeyStore(store.kv, { cacheTtlMs: 0, now: () => now });
    const old = await keys.create({ name: 'svc', scopes: ['s'] });
    const next = await keys.rotate(old.record.id, 60_000);
    expect(next?.record.scopes).toEqual(['s']);
    expect((await keys.verify(old.key)).ok).toBe(true);
    expect((await keys.verify(next?.key ?? '')).ok).toBe(true);
    now += 60_001;
    expect((await keys.verify(old.key)).ok).toBe(false);
    expect((await keys.verify(next?.key ?? '')).ok).toBe(true);
    await store.close();
  });

  it('refuses an expired key and text that is not a key', async () => {
    let now = 1_000_000;
    const store = await createMemoryStore({});
    const keys = new ApiKeyStore(store.kv, { cacheTtlMs: 0, now: () => now });
    const { key } = await keys.create({ name: 'a', ttlMs: 1000 });
    now += 1001;
    expect(await keys.verify(key)).toMatchObject({ ok: false, code: 'GH_AUTHN_TOKEN_EXPIRED' });
    expect(await keys.verify("ghk_' OR 1=1 --")).toMatchObject({ ok: false, code: 'GH_AUTHN_INVALID' });
    await store.close();
  });

  it('costs an unknown key id the same store work as a known one, and a malformed key none', async () => {
    const store = await createMemoryStore({});
    const { kv, reads } = countingKv(store.kv);
    const keys = new ApiKeyStore(kv, { cacheTtlMs: 60_000 });
    const { key } = await new ApiKeyStore(store.kv).create({ name: 'a' });
    const unknown = `ghk_${'0'.repeat(12)}_${key.slice(-43)}`;
    const wrong = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const cost = async (k: string): Promise<number> => {
      const before = reads();
      await keys.verify(k);
      return reads() - before;
    };
    // First sight: one read each, whether the id exists or not; then both are cached.
    expect([await cost(unknown), await cost(wrong)]).toEqual([1, 1]);
    expect([await cost(unknown), await cost(wrong), await cost(key)]).toEqual([0, 0, 0]);
    // The format is public: text that cannot be a key never reaches the store.
    expect([await cost('not-a-key'), await cost(`ghk_${'z'.repeat(12)}_${key.slice(-43)}`)]).toEqual([0, 0]);
    expect(await keys.verify(unknown)).toMatchObject({ ok: false, code: 'GH_AUTHN_INVALID', reason: `unknown key id ${'0'.repeat(12)}` });
    expect(await keys.verify('not-a-key')).toMatchObject({ ok: false, code: 'GH_AUTHN_INVALID', reason: 'not a Gatehouse API key' });
    await store.close();
  });
});
