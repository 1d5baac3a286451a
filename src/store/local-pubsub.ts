import type { MessageHandler, PubSub } from './ports.js';

/**
 * In-process fan-out, for the engines that serve one machine (memory, sqlite). Delivery is
 * asynchronous, like the networked engines, so callers cannot come to rely on a handler having
 * run before publish() resolves. A throwing handler does not stop delivery to the others.
 */
export class LocalPubSub implements PubSub {
  private readonly channels = new Map<string, Set<MessageHandler>>();

  publish(channel: string, message: string): Promise<void> {
    const handlers = this.channels.get(channel);
    if (handlers !== undefined) {
      for (const h of [...handlers]) {
        setImmediate(() => {
          try {
            h(message);
          } catch {
            // A subscriber's bug must not break the publisher or the other subscribers.
          }
        });
      }
    }
    return Promise.resolve();
  }

  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    let set = this.channels.get(channel);
    if (set === undefined) this.channels.set(channel, (set = new Set()));
    // Wrap so the same function subscribed twice is two subscriptions, each removable alone.
    const own: MessageHandler = (m) => handler(m);
    set.add(own);
    return Promise.resolve(() => {
      const s = this.channels.get(channel);
      if (s !== undefined) {
        s.delete(own);
        if (s.size === 0) this.channels.delete(channel);
      }
      return Promise.resolve();
    });
  }

  clear(): void {
    this.channels.clear();
  }
}
