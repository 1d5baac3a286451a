import type { Store } from '../store/index.js';

/**
 * Blocks and revocations shared by every gateway instance. The source of truth is the store's
 * kv (one entry per revocation, expiring with it); each instance keeps a copy in memory so the
 * request path checks a Map, never the network. A change is published on pub/sub and applied
 * by every subscribed instance at once; a periodic re-read of the kv heals a missed message.
 */
export type RevocationKind = 'ip' | 'subject' | 'credential' | 'jti';
export type RevocationAction = 'block' | 'throttle';

export const REVOCATION_KINDS: readonly RevocationKind[] = ['ip', 'subject', 'credential', 'jti'];

export interface Revocation {
  readonly kind: RevocationKind;
  readonly value: string;
  readonly action: RevocationAction;
  /** For `throttle`: requests per minute allowed. */
  readonly perMinute?: number;
  readonly reason: string;
  /** `auto` (an alert's response) or `cli:<user>` / `admin`. */
  readonly by: string;
  readonly alertId?: string;
  readonly createdAt: number;
  /** Ms since epoch; undefined: until removed. */
  readonly expiresAt?: number;
}

const PREFIX = 'revocation:';
export const REVOCATION_CHANNEL = 'gatehouse.revocations';
export const REVOCATION_AUDIT_STREAM = 'audit.revocations';

interface Message { readonly op: 'add' | 'remove'; readonly entry: Revocation }

function keyOf(kind: RevocationKind, value: string): string {
  return `${PREFIX}${kind}:${value}`;
}

export class RevocationList {
  private readonly local = new Map<string, Revocation>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {}

  /** Loads the current list and subscribes to changes; `resyncMs` re-reads the kv as a safety net. */
  async start(resyncMs = 5_000): Promise<void> {
    this.unsubscribe = await this.store.pubsub.subscribe(REVOCATION_CHANNEL, (message) => this.apply(message));
    await this.resync();
    this.timer = setInterval(() => { this.resync().catch(() => undefined); }, resyncMs);
    this.timer.unref();
  }

  async resync(): Promise<void> {
    const entries = await this.store.kv.list(PREFIX, 100_000);
    const fresh = new Map<string, Revocation>();
    for (const e of entries) {
      const parsed = parse(e.value);
      if (parsed !== undefined) fresh.set(e.key, parsed);
    }
    this.local.clear();
    for (const [k, v] of fresh) this.local.set(k, v);
  }

  /** The live revocation of `kind`/`value`, if any. Synchronous: this is the request path. */
  find(kind: RevocationKind, value: string): Revocation | undefined {
    const found = this.local.get(keyOf(kind, value));
    if (found === undefined) return undefined;
    if (found.expiresAt !== undefined && found.expiresAt <= this.now()) {
      this.local.delete(keyOf(kind, value));
      return undefined;
    }
    return found;
  }

  get size(): number {
    return this.local.size;
  }

  /** Stores, applies locally, tells every other instance, and audits. */
  async add(entry: Revocation): Promise<void> {
    const ttl = entry.expiresAt === undefined ? undefined : Math.max(1, Math.ceil(entry.expiresAt - this.now()));
    const key = keyOf(entry.kind, entry.value);
    await this.store.kv.set(key, JSON.stringify(entry), ttl);
    this.local.set(key, entry);
    await this.store.pubsub.publish(REVOCATION_CHANNEL, JSON.stringify({ op: 'add', entry } satisfies Message));
    await this.store.records.append(REVOCATION_AUDIT_STREAM, { op: 'add', ...entry });
  }

  /** Lifts a revocation; false when there was none. */
  async remove(kind: RevocationKind, value: string, by: string): Promise<boolean> {
    const key = keyOf(kind, value);
    const existing = parse(await this.store.kv.get(key) ?? '');
    const deleted = await this.store.kv.delete(key);
    this.local.delete(key);
    const entry: Revocation = existing ?? { kind, value, action: 'block', reason: 'removed', by, createdAt: this.now() };
    await this.store.pubsub.publish(REVOCATION_CHANNEL, JSON.stringify({ op: 'remove', entry } satisfies Message));
    if (deleted) await this.store.records.append(REVOCATION_AUDIT_STREAM, { op: 'remove', kind, value, by, ts: this.now() });
    return deleted;
  }

  /** Everything live in the store (not only this instance's copy). */
  async list(): Promise<Revocation[]> {
    const entries = await this.store.kv.list(PREFIX, 100_000);
    return entries.map((e) => parse(e.value)).filter((r): r is Revocation => r !== undefined);
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const un = this.unsubscribe;
    this.unsubscribe = undefined;
    if (un !== undefined) await un();
  }

  private apply(message: string): void {
    let m: Message;
    try { m = JSON.parse(message) as Message; } catch { return; }
    if (m.entry === undefined || !REVOCATION_KINDS.includes(m.entry.kind) || typeof m.entry.value !== 'string') return;
    const key = keyOf(m.entry.kind, m.entry.value);
    if (m.op === 'add') this.local.set(key, m.entry);
    else if (m.op === 'remove') this.local.delete(key);
  }
}

function parse(json: string): Revocation | undefined {
  try {
    const v = JSON.parse(json) as Revocation;
    return typeof v === 'object' && v !== null && REVOCATION_KINDS.includes(v.kind) && typeof v.value === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
