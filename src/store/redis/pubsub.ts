import type { Redis } from 'ioredis';
import type { MessageHandler, PubSub } from '../ports.js';
import { firstConnect, wrap } from './connection.js';

/**
 * Pub/sub over Redis. A connection in subscriber mode can run no other command, so subscribers
 * get a duplicate connection of their own, opened on the first subscribe. ioredis resubscribes
 * by itself after a reconnect; messages published while disconnected are missed (pub/sub
 * stores nothing), which is why consumers of revocations also read the kv list on reconnect.
 */
export class RedisPubSub implements PubSub {
  private sub: Promise<Redis> | undefined;
  private readonly handlers = new Map<string, Set<MessageHandler>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly connectLimitMs: number,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    try {
      await this.redis.publish(this.prefix + channel, message);
    } catch (err) {
      wrap('publish', err);
    }
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const full = this.prefix + channel;
    const sub = await this.subscriber();
    let set = this.handlers.get(full);
    if (set === undefined) {
      try {
        await sub.subscribe(full);
      } catch (err) {
        wrap('subscribe', err);
      }
      set = this.handlers.get(full) ?? new Set();
      this.handlers.set(full, set);
    }
    const own: MessageHandler = (m) => handler(m);
    set.add(own);
    return async () => {
      const s = this.handlers.get(full);
      if (s === undefined || !s.delete(own) || s.size > 0) return;
      this.handlers.delete(full);
      try {
        await sub.unsubscribe(full);
      } catch {
        // Unsubscribing from a dead connection: there is nothing left to stop.
      }
    };
  }

  /** One connection for all subscriptions; concurrent first subscribers wait for the same connect. */
  private subscriber(): Promise<Redis> {
    this.sub ??= this.connectSubscriber();
    return this.sub;
  }

  private async connectSubscriber(): Promise<Redis> {
    const sub = this.redis.duplicate();
    sub.on('error', () => {
      // Reported through health() and failing calls; the event must have a listener.
    });
    sub.on('message', (channel: string, message: string) => {
      const set = this.handlers.get(channel);
      if (set === undefined) return;
      for (const h of set) {
        try {
          h(message);
        } catch {
          // One subscriber's bug must not stop delivery to the others.
        }
      }
    });
    await firstConnect(sub, this.connectLimitMs);
    return sub;
  }

  async close(): Promise<void> {
    this.handlers.clear();
    const sub = this.sub;
    this.sub = undefined;
    if (sub !== undefined) (await sub).disconnect();
  }
}
