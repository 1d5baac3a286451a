import type { AddressInfo } from 'node:net';

/**
 * Messages between the primary and its workers over the cluster IPC channel (advanced
 * serialisation: structured clone, so `undefined` arguments survive). Every message carries
 * `gh` so that messages of other libraries on the same channel are left alone.
 */

/** One end of a message channel: a worker's `process`, or the primary's handle on one worker. */
export interface Channel {
  send(message: WorkerMessage | PrimaryMessage): void;
  onMessage(handler: (message: unknown) => void): () => void;
}

export type StorePort = 'counters' | 'kv' | 'records';

/** Worker -> primary. */
export type WorkerMessage =
  | { readonly gh: 'store'; readonly id: number; readonly port: StorePort; readonly method: string; readonly args: readonly unknown[] }
  | { readonly gh: 'health'; readonly id: number }
  | { readonly gh: 'publish'; readonly id: number; readonly channel: string; readonly message: string }
  | { readonly gh: 'subscribe'; readonly id: number; readonly sub: number; readonly channel: string }
  | { readonly gh: 'unsubscribe'; readonly id: number; readonly sub: number }
  | { readonly gh: 'ready'; readonly digest: string | undefined; readonly addresses: Readonly<Record<string, AddressInfo>> }
  | { readonly gh: 'prepared'; readonly gen: number; readonly ok: boolean; readonly errors?: readonly string[]; readonly digest?: string }
  | { readonly gh: 'switched'; readonly gen: number }
  | { readonly gh: 'files-changed' }
  | { readonly gh: 'metrics'; readonly id: number }
  | { readonly gh: 'metrics-part'; readonly id: number; readonly metrics: unknown }
  | { readonly gh: 'batch'; readonly messages: readonly WorkerMessage[] };

/** Primary -> worker. */
export type PrimaryMessage =
  | { readonly gh: 'result'; readonly id: number; readonly value?: unknown; readonly error?: RemoteError }
  | { readonly gh: 'message'; readonly sub: number; readonly message: string }
  | { readonly gh: 'prepare'; readonly gen: number }
  | { readonly gh: 'commit'; readonly gen: number }
  | { readonly gh: 'abort'; readonly gen: number; readonly reason: string }
  | { readonly gh: 'shutdown' }
  | { readonly gh: 'hurry' }
  | { readonly gh: 'collect'; readonly id: number }
  | { readonly gh: 'metrics-text'; readonly id: number; readonly text?: string; readonly error?: string }
  | { readonly gh: 'batch'; readonly messages: readonly PrimaryMessage[] };

/** An error thrown in the primary, carried over as plain data and rebuilt on the worker's side. */
export interface RemoteError {
  readonly code: string;
  readonly message: string;
  readonly store?: string;
  readonly operation?: string;
  readonly what?: string;
}

/**
 * Collects the messages sent during one turn of the event loop and sends them as one (a `batch`
 * when there are several): each IPC message costs a serialisation, a write and a read on each
 * side, which under load cost more than the store call they carry. Nothing waits longer than
 * the turn it was sent in. `failed` is told of the messages a closed channel could not take.
 */
export function batching<M extends WorkerMessage | PrimaryMessage>(channel: Channel, failed: (messages: readonly M[], error: unknown) => void): (message: M) => void {
  let outbox: M[] = [];
  const flush = (): void => {
    const messages = outbox;
    outbox = [];
    try {
      channel.send(messages.length === 1 ? messages[0] as M : { gh: 'batch', messages } as unknown as M);
    } catch (error) {
      failed(messages, error);
    }
  };
  return (message) => {
    if (outbox.push(message) === 1) setImmediate(flush);
  };
}

/** The channel is ours alone to write to, so a message with `gh` is one of the types above. */
export function isGatehouseMessage<T extends WorkerMessage | PrimaryMessage>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { gh?: unknown }).gh === 'string';
}
