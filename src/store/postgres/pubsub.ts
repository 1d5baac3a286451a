import pg from 'pg';
import { StoreInputError, StoreUnavailableError } from '../errors.js';
import type { MessageHandler, PubSub } from '../ports.js';

/** NOTIFY payloads are limited to 8000 bytes; the envelope takes a little of that. */
const MAX_MESSAGE_BYTES = 7800;

/**
 * Pub/sub over LISTEN/NOTIFY. All of a store's channels share one PostgreSQL channel (named
 * after the schema) and travel in a small JSON envelope: application channel names then need
 * no quoting as identifiers, and one listening connection serves every subscription. That
 * connection is dedicated (a pooled client would lose its LISTEN when returned) and is
 * re-established after a failure; messages sent while it is down are missed.
 */
export class PostgresPubSub implements PubSub {
  private listener: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly clientConfig: pg.ClientConfig,
    private readonly pgChannel: string,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    const payload = JSON.stringify({ c: channel, m: message });
    if (Buffer.byteLength(payload) > MAX_MESSAGE_BYTES) {
      throw new StoreInputError('pubsub.publish', `message on ${channel} is larger than ${MAX_MESSAGE_BYTES} bytes`);
    }
    try {
      await this.pool.query('SELECT pg_notify($1, $2)', [this.pgChannel, payload]);
    } catch (err) {
      throw new StoreUnavailableError('postgres', 'publish', err);
    }
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    try {
      await this.listen();
    } catch (err) {
      throw new StoreUnavailableError('postgres', 'subscribe', err);
    }
    let set = this.handlers.get(channel);
    if (set === undefined) this.handlers.set(channel, (set = new Set()));
    const own: MessageHandler = (m) => handler(m);
    set.add(own);
    return async () => {
      const s = this.handlers.get(channel);
      if (s !== undefined && s.delete(own) && s.size === 0) this.handlers.delete(channel);
    };
  }

  private listen(): Promise<pg.Client> {
    this.listener ??= this.connect().catch((err: unknown) => {
      this.listener = undefined;
      throw err;
    });
    return this.listener;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client(this.clientConfig);
    client.on('notification', (n) => {
      if (n.channel !== this.pgChannel || n.payload === undefined) return;
      let env: { c?: unknown; m?: unknown };
      try {
        env = JSON.parse(n.payload) as { c?: unknown; m?: unknown };
      } catch {
        return; // someone else's NOTIFY on our channel: not ours to deliver
      }
      if (typeof env.c !== 'string' || typeof env.m !== 'string') return;
      for (const h of this.handlers.get(env.c) ?? []) {
        try {
          h(env.m);
        } catch {
          // One subscriber's bug must not stop delivery to the others.
        }
      }
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.pgChannel}"`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }

  /** The listening connection died: reconnect in the background while anyone is subscribed. */
  private lost(client: pg.Client): void {
    client.removeAllListeners('end');
    this.listener = undefined;
    if (this.closed || this.retry !== undefined) return;
    const attempt = (): void => {
      this.retry = undefined;
      if (this.closed || this.handlers.size === 0) return;
      this.listen().catch(() => {
        this.retry = setTimeout(attempt, 1000);
        this.retry.unref();
      });
    };
    this.retry = setTimeout(attempt, 100);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    if (this.retry !== undefined) clearTimeout(this.retry);
    const l = this.listener;
    this.listener = undefined;
    if (l !== undefined) {
      const client = await l.catch(() => undefined);
      if (client !== undefined) {
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
      }
    }
  }
}
