import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../errors.js';
import { counterContract } from './contract-counters.js';
import { dataContract } from './contract-data.js';
import type { Store } from '../ports.js';

export interface ContractOptions {
  /**
   * Moves the store's clock forward. Engines with their own clock (Redis, PostgreSQL, a sqlite
   * store on the wall clock) use the default, a real wait; the memory store passes its manual clock.
   */
  readonly advance?: (ms: number) => Promise<void>;
}

export interface ContractContext {
  /** The suite's store, opened in beforeAll. */
  readonly store: () => Store;
  /** A key (or stream, or channel) no other test or run uses. */
  readonly key: (label: string) => string;
  readonly advance: (ms: number) => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The behaviour every store adapter promises. One store is opened for the whole suite; each
 * test works on its own keys and streams, so the suite can share a server with other runs.
 */
export function runStoreContract(name: string, makeStore: () => Promise<Store>, options: ContractOptions = {}): void {
  const advance = options.advance ?? sleep;

  describe(`store contract: ${name}`, () => {
    let store: Store;
    let n = 0;
    const run = randomUUID().slice(0, 8);
    /** A key no other test (or run) uses. */
    const key = (label: string): string => `${run}:${label}:${++n}`;

    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('reports healthy while its backing service answers', async () => {
      expect(await store.health()).toMatchObject({ ok: true });
    });

    const ctx: ContractContext = { store: () => store, key, advance };
    counterContract(ctx);
    dataContract(ctx);

    it('close is idempotent and later calls reject with StoreUnavailableError', async () => {
      const s = await makeStore();
      await s.close();
      await s.close();
      await expect(s.counters.increment(key('closed'), 1, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(s.kv.get(key('closed'))).rejects.toBeInstanceOf(StoreUnavailableError);
      expect((await s.health()).ok).toBe(false);
    });
  });
}
