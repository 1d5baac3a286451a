import { describe, expect, it } from 'vitest';
import { createMemoryStore, StoreUnavailableError, type Store } from '../store/index.js';
import { runStoreContract } from '../store/testing/contract.js';
import { createChannelStore } from './channel-store.js';
import type { Channel } from './protocol.js';
import { StoreHost } from './store-host.js';

/**
 * Two ends of a channel that behave as the cluster IPC does: each message is copied by structured
 * clone (the advanced serialisation) and arrives on a later turn of the event loop.
 */
function channelPair(): { worker: Channel; primary: Channel; cut: () => void } {
  const listeners = { worker: new Set<(m: unknown) => void>(), primary: new Set<(m: unknown) => void>() };
  let open = true;
  const end = (self: 'worker' | 'primary', other: 'worker' | 'primary'): Channel => ({
    send(message) {
      if (!open) throw new Error('channel closed');
      const copy = structuredClone(message);
      setImmediate(() => { for (const l of listeners[other]) l(copy); });
    },
    onMessage(handler) {
      listeners[self].add(handler);
      return () => listeners[self].delete(handler);
    },
  });
  return { worker: end('worker', 'primary'), primary: end('primary', 'worker'), cut: () => { open = false; } };
}

let clock = Date.now();

function hosted(backing: Store = createMemoryStore({ now: () => clock })): { store: Store; host: StoreHost; cut: () => void; primary: Channel } {
  const pair = channelPair();
  const host = new StoreHost(backing);
  host.add(pair.primary);
  const store = createChannelStore(pair.worker, 'memory');
  const close = store.close.bind(store);
  // The suite closes the worker's store; the primary's goes with it here.
  return { store: { ...store, close: async () => { await close(); await backing.close(); } }, host, cut: pair.cut, primary: pair.primary };
}

runStoreContract('memory through the primary', async () => hosted().store, {
  advance: async (ms) => {
    clock += ms;
  },
});

describe('a store shared by workers through the primary', () => {
  it('lets exactly the limit through when four workers race for one bucket', async () => {
    const backing = createMemoryStore();
    const workers = [hosted(backing), hosted(backing), hosted(backing), hosted(backing)];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      (workers[i % 4] as { store: Store }).store.counters.gcra('race', { emissionIntervalMs: 6_000, burst: 10 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    await backing.close();
  });

  it('fans a message published by one worker out to every subscribed worker, the publisher too', async () => {
    const backing = createMemoryStore();
    const [a, b] = [hosted(backing), hosted(backing)];
    const seen: string[] = [];
    await a.store.pubsub.subscribe('ch', (m) => seen.push(`a:${m}`));
    const unsubscribeB = await b.store.pubsub.subscribe('ch', (m) => seen.push(`b:${m}`));
    await a.store.pubsub.publish('ch', 'one');
    await expect.poll(() => seen.length).toBe(2);
    expect(seen.sort()).toEqual(['a:one', 'b:one']);
    await unsubscribeB();
    await b.store.pubsub.publish('ch', 'two');
    await expect.poll(() => seen.length).toBe(3);
    expect(seen[2]).toBe('a:two');
    await backing.close();
  });

  it('drops the subscriptions of a worker that is gone', async () => {
    const backing = createMemoryStore();
    const a = hosted(backing);
    let got = 0;
    await a.store.pubsub.subscribe('gone', () => { got++; });
    await a.host.remove(a.primary);
    await backing.pubsub.publish('gone', 'x');
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBe(0);
    await backing.close();
  });

  it('rejects with StoreUnavailableError when the primary cannot be reached, and reports unhealthy', async () => {
    const a = hosted();
    a.cut();
    await expect(a.store.counters.increment('k', 1, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await a.store.health()).ok).toBe(false);
    await a.store.close();
  });

  it('carries the primary store\'s outage over as StoreUnavailableError', async () => {
    const backing = createMemoryStore();
    const a = hosted(backing);
    await backing.close();
    const error = await a.store.kv.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/store is closed/);
  });

  it('sends the calls of one turn as one message each way, answered in order and exactly', async () => {
    const pair = channelPair();
    const sent: { worker: unknown[]; primary: unknown[] } = { worker: [], primary: [] };
    const spy = (channel: Channel, into: unknown[]): Channel => ({ send: (m) => { into.push(m); channel.send(m); }, onMessage: (h) => channel.onMessage(h) });
    const backing = createMemoryStore();
    new StoreHost(backing).add(spy(pair.primary, sent.primary));
    const store = createChannelStore(spy(pair.worker, sent.worker), 'memory');
    const results = await Promise.all(Array.from({ length: 25 }, () => store.counters.gcra('turn', { emissionIntervalMs: 60_000, burst: 10 })));
    expect(results.map((r) => r.allowed)).toEqual([...Array<boolean>(10).fill(true), ...Array<boolean>(15).fill(false)]);
    expect(sent.worker).toHaveLength(1);
    expect(sent.primary).toHaveLength(1);
    expect((sent.worker[0] as { gh: string; messages: unknown[] }).messages).toHaveLength(25);
    // A call of a later turn goes on its own, not as a batch of one.
    await store.counters.get('turn');
    expect((sent.worker[1] as { gh: string }).gh).toBe('store');
    await store.close();
    await backing.close();
  });

  it('rejects every call of a turn whose message the channel could not take', async () => {
    const a = hosted();
    a.cut();
    const calls = [a.store.counters.increment('k', 1, 1000), a.store.kv.get('k'), a.store.records.count('s')];
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(StoreUnavailableError);
    await a.store.close();
  });
});
