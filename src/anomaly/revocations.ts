import { BlockList, isIP } from 'node:net';
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

/**
 * The form a revocation value is stored and compared in, or a message saying why it is not one.
 * An `ip` is an IPv4 or IPv6 address or CIDR range, in the form the gateway sees client
 * addresses (IPv4-mapped IPv6 as plain IPv4, IPv6 lower-case and compressed): an entry the
 * gateway can never match would be a block that silently does nothing.
 */
export function revocationValue(kind: RevocationKind, value: string): { value: string } | { problem: string } {
  if (kind !== 'ip') return value.trim() === '' ? { problem: `a ${kind} must not be empty` } : { value };
  const slash = value.indexOf('/');
  const address = canonicalAddress(slash === -1 ? value : value.slice(0, slash));
  if (address === undefined) return { problem: `"${value}" is not an IPv4 or IPv6 address or CIDR range (203.0.113.7, 198.51.100.0/24, 2001:db8::/32)` };
  if (slash === -1) return { value: address };
  const bitsText = value.slice(slash + 1);
  const max = isIP(address) === 4 ? 32 : 128;
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (!(bits >= 0 && bits <= max)) return { problem: `"${value}": the prefix length must be a whole number from 0 to ${max}` };
  return { value: `${address}/${bits}` };
}

function canonicalAddress(text: string): string | undefined {
  const family = isIP(text);
  // Zone ids (fe80::1%eth0) are local to one host: never what a client address is compared to.
  if (family === 0 || text.includes('%')) return undefined;
  if (family === 4) return text;
  const lower = text.toLowerCase();
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return new URL(`http://[${lower}]/`).hostname.slice(1, -1);
}

interface Subnet { readonly entry: Revocation; readonly list: BlockList }

function keyOf(kind: RevocationKind, value: string): string {
  return `${PREFIX}${kind}:${value}`;
}

export class RevocationList {
  private readonly local = new Map<string, Revocation>();
  /** The `ip` entries that are CIDR ranges, checked after the exact lookup misses (few, if any). */
  private subnets: Subnet[] = [];
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
    this.indexSubnets();
  }

  /** The live revocation of `kind`/`value`, if any. Synchronous: this is the request path. */
  find(kind: RevocationKind, value: string): Revocation | undefined {
    const found = this.local.get(keyOf(kind, value));
    if (found !== undefined) {
      if (found.expiresAt === undefined || found.expiresAt > this.now()) return found;
      this.local.delete(keyOf(kind, value));
    }
    if (kind !== 'ip' || this.subnets.length === 0) return undefined;
    const family = isIP(value) === 6 ? 'ipv6' : 'ipv4';
    for (const subnet of this.subnets) {
      if (!subnet.list.check(value, family)) continue;
      if (subnet.entry.expiresAt === undefined || subnet.entry.expiresAt > this.now()) return subnet.entry;
    }
    return undefined;
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
    this.indexSubnets();
    await this.store.pubsub.publish(REVOCATION_CHANNEL, JSON.stringify({ op: 'add', entry } satisfies Message));
    await this.store.records.append(REVOCATION_AUDIT_STREAM, { op: 'add', ...entry });
  }

  /** Lifts a revocation; false when there was none. */
  async remove(kind: RevocationKind, value: string, by: string): Promise<boolean> {
    const key = keyOf(kind, value);
    const existing = parse(await this.store.kv.get(key) ?? '');
    const deleted = await this.store.kv.delete(key);
    this.local.delete(key);
    this.indexSubnets();
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
    this.indexSubnets();
  }

  private indexSubnets(): void {
    const subnets: Subnet[] = [];
    for (const entry of this.local.values()) {
      if (entry.kind !== 'ip') continue;
      const slash = entry.value.indexOf('/');
      if (slash === -1) continue;
      const address = entry.value.slice(0, slash);
      const family = isIP(address);
      const bits = Number(entry.value.slice(slash + 1));
      if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) continue;
      const list = new BlockList();
      list.addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
      subnets.push({ entry, list });
    }
    this.subnets = subnets;
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
