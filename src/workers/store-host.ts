import { StoreInputError, StoreUnavailableError, type Store } from '../store/index.js';
import { batching, isGatehouseMessage, type Channel, type PrimaryMessage, type RemoteError, type StorePort, type WorkerMessage } from './protocol.js';

/**
 * The primary's side of the memory and SQLite stores under workers. Those engines are exact
 * because one process runs every operation to its end before the next; N workers each with its
 * own copy would each allow the whole limit. So the primary keeps the one store and the workers
 * call it over IPC (`ChannelStore`): every counter step, kv write and record append runs here,
 * one at a time, and pub/sub fans out to every worker that subscribed.
 */
const METHODS: Readonly<Record<StorePort, ReadonlySet<string>>> = {
  counters: new Set(['increment', 'get', 'reset', 'gcra', 'acquire', 'release']),
  kv: new Set(['get', 'set', 'setIfAbsent', 'delete', 'list']),
  records: new Set(['append', 'appendMany', 'appendManyJson', 'query', 'count', 'trim']),
};

function remoteError(error: unknown): RemoteError {
  if (error instanceof StoreUnavailableError) {
    const operation = typeof error.details?.['operation'] === 'string' ? error.details['operation'] : 'call';
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    return { code: error.code, message: cause, store: error.store, operation };
  }
  if (error instanceof StoreInputError) {
    const what = typeof error.details?.['what'] === 'string' ? error.details['what'] : 'input';
    return { code: error.code, message: error.message.slice(what.length + 2), what };
  }
  return { code: 'GH_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

export class StoreHost {
  private readonly detach = new Map<Channel, { off: () => void; subs: Map<number, Promise<() => Promise<void>>> }>();

  constructor(private readonly store: Store) {}

  /** Serves one worker until `remove`. */
  add(channel: Channel): void {
    const subs = new Map<number, Promise<() => Promise<void>>>();
    // The answers of one turn go back as one message; a worker gone between its call and the
    // answer has nobody left to tell.
    const reply = batching<PrimaryMessage>(channel, () => undefined);
    const answer = (id: number, work: () => Promise<unknown>): void => {
      let pending: Promise<unknown>;
      try { pending = work(); } catch (error) { pending = Promise.reject(error); }
      pending.then((value) => reply({ gh: 'result', id, value }), (error: unknown) => reply({ gh: 'result', id, error: remoteError(error) }));
    };
    const serve = (message: WorkerMessage): void => {
      switch (message.gh) {
        case 'store': return answer(message.id, () => {
          const port = this.store[message.port] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>> | undefined;
          // Only the ports' own methods: the channel is trusted, but a typo must not call anything else.
          if (port === undefined || METHODS[message.port]?.has(message.method) !== true) throw new StoreInputError('ipc', `no ${String(message.port)}.${String(message.method)}`);
          return (port[message.method] as (...args: unknown[]) => Promise<unknown>).apply(port, message.args as unknown[]);
        });
        case 'health': return answer(message.id, () => this.store.health());
        case 'publish': return answer(message.id, () => this.store.pubsub.publish(message.channel, message.message));
        case 'subscribe': return answer(message.id, async () => {
          const sub = message.sub;
          const unsubscribe = this.store.pubsub.subscribe(message.channel, (text) => reply({ gh: 'message', sub, message: text }));
          subs.set(sub, unsubscribe);
          await unsubscribe;
        });
        case 'unsubscribe': return answer(message.id, async () => {
          const unsubscribe = subs.get(message.sub);
          subs.delete(message.sub);
          if (unsubscribe !== undefined) await (await unsubscribe)();
        });
        case 'batch':
          // In the order sent, as when they came one by one: the engine runs each call as it comes.
          for (const inner of message.messages) serve(inner);
          return undefined;
        default: return undefined;
      }
    };
    const off = channel.onMessage((m) => {
      if (isGatehouseMessage<WorkerMessage>(m)) serve(m);
    });
    this.detach.set(channel, { off, subs });
  }

  /** A worker that exited: its subscriptions go with it. */
  async remove(channel: Channel): Promise<void> {
    const entry = this.detach.get(channel);
    if (entry === undefined) return;
    this.detach.delete(channel);
    entry.off();
    await Promise.all([...entry.subs.values()].map(async (u) => (await u)()));
  }
}
