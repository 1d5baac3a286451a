import { StoreInputError, StoreUnavailableError, type Counters, type KeyValue, type MessageHandler, type Records, type Store, type StoreHealth } from '../store/index.js';
import { batching, isGatehouseMessage, type Channel, type RemoteError, type PrimaryMessage, type StorePort, type WorkerMessage } from './protocol.js';

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

  const receive = (m: PrimaryMessage): void => {
    if (m.gh === 'result') {
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      if (m.error === undefined) p.resolve(m.value);
      else p.reject(rebuild(m.error, p.op));
    } else if (m.gh === 'message') {
      const handler = handlers.get(m.sub);
      if (handler === undefined) return;
      try { handler(m.message); } catch { /* a subscriber's bug must not break delivery */ }
    } else if (m.gh === 'batch') {
      for (const inner of m.messages) receive(inner);
    }
  };
  const off = channel.onMessage((m) => {
    if (isGatehouseMessage<PrimaryMessage>(m)) receive(m);
  });
  // The calls of one turn (the rate-limit steps of every request read in it) go as one message.
  const send = batching<WorkerMessage>(channel, (messages, error) => {
    for (const m of messages) {
      const id = (m as { id?: number }).id;
      const p = id === undefined ? undefined : pending.get(id);
      if (id === undefined || p === undefined) continue;
      pending.delete(id);
      p.reject(new StoreUnavailableError(name, p.op, error));
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
      send(message(id));
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
