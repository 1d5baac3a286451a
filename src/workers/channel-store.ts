import { StoreInputError, StoreUnavailableError, type Counters, type KeyValue, type MessageHandler, type Records, type Store, type StoreHealth } from '../store/index.js';
import { isGatehouseMessage, type Channel, type RemoteError, type PrimaryMessage, type StorePort, type WorkerMessage } from './protocol.js';

/** A call the primary has not answered in this time is an outage, as a store's timeout is. */
const CALL_TIMEOUT_MS = 5_000;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly op: string;
  readonly deadline: number;
}

function rebuild(error: RemoteError, op: string): Error {
  if (error.code === 'GH_STORE_UNAVAILABLE') return new StoreUnavailableError(error.store ?? 'primary', error.operation ?? op, error.message);
  if (error.code === 'GH_STORE_INVALID_INPUT') return new StoreInputError(error.what ?? 'input', error.message);
  return new Error(error.message);
}

/**
 * A worker's store when the engine is memory or SQLite: every call goes to the primary's one
 * store (`StoreHost`), so counters, kv and records are exact across workers. The calls fail
 * like a network store's: no answer within 5 s, a closed channel or a closed store reject with
 * `StoreUnavailableError`, and the policies fail closed or open as configured.
 */
export function createChannelStore(channel: Channel, engine: string): Store {
  const pending = new Map<number, Pending>();
  const handlers = new Map<number, MessageHandler>();
  let nextId = 0;
  let closed = false;
  const name = `${engine} (via the primary)`;

  const off = channel.onMessage((m) => {
    if (!isGatehouseMessage<PrimaryMessage>(m)) return;
    if (m.gh === 'result') {
      const r = m;
      const p = pending.get(r.id);
      if (p === undefined) return;
      pending.delete(r.id);
      if (r.error === undefined) p.resolve(r.value);
      else p.reject(rebuild(r.error, p.op));
    } else if (m.gh === 'message') {
      const r = m;
      const handler = handlers.get(r.sub);
      if (handler === undefined) return;
      try { handler(r.message); } catch { /* a subscriber's bug must not break delivery */ }
    }
  });
  // One sweep for every call rather than a timer per call: the request path allocates no timer.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [id, p] of pending) {
      if (p.deadline > now) continue;
      pending.delete(id);
      p.reject(new StoreUnavailableError(name, p.op, `no answer from the primary within ${CALL_TIMEOUT_MS} ms`));
    }
  }, 1_000);
  sweeper.unref();

  function call<T>(op: string, message: (id: number) => WorkerMessage): Promise<T> {
    if (closed) return Promise.reject(new StoreUnavailableError(name, op, 'store is closed'));
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject, op, deadline: Date.now() + CALL_TIMEOUT_MS });
      try {
        channel.send(message(id));
      } catch (error) {
        pending.delete(id);
        reject(new StoreUnavailableError(name, op, error));
      }
    });
  }

  function port<T extends object>(portName: StorePort, methods: readonly string[]): T {
    const target: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const method of methods) {
      const op = `${portName}.${method}`;
      target[method] = (...args: unknown[]) => call(op, (id) => ({ gh: 'store', id, port: portName, method, args }));
    }
    return target as T;
  }

  return {
    counters: port<Counters>('counters', ['increment', 'get', 'reset', 'gcra', 'acquire', 'release']),
    kv: port<KeyValue>('kv', ['get', 'set', 'setIfAbsent', 'delete', 'list']),
    records: port<Records>('records', ['append', 'appendMany', 'appendManyJson', 'query', 'count', 'trim']),
    pubsub: {
      publish: (ch, message) => call('pubsub.publish', (id) => ({ gh: 'publish', id, channel: ch, message })),
      async subscribe(ch, handler) {
        const sub = ++nextId;
        handlers.set(sub, handler);
        try {
          await call('pubsub.subscribe', (id) => ({ gh: 'subscribe', id, sub, channel: ch }));
        } catch (error) {
          handlers.delete(sub);
          throw error;
        }
        return async () => {
          if (!handlers.delete(sub) || closed) return;
          await call('pubsub.unsubscribe', (id) => ({ gh: 'unsubscribe', id, sub }));
        };
      },
    },
    async health(): Promise<StoreHealth> {
      try {
        return await call<StoreHealth>('health', (id) => ({ gh: 'health', id }));
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      clearInterval(sweeper);
      off();
      handlers.clear();
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new StoreUnavailableError(name, p.op, 'store is closed'));
      }
      return Promise.resolve();
    },
  };
}
