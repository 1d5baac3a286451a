import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Identity } from '../gateway/context.js';
import type { KeyValue, PubSub } from '../store/index.js';
import type { AuthnResult } from './jwt-verifier.js';
import { ExpiringLru } from './lru.js';

/** What is stored per key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  /** The public lookup prefix, also the key's id in listings and the audit trail. */
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly hash: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly revokedAt?: number;
  /** Set on a key replaced by `rotate`: the id of its successor. */
  readonly rotatedTo?: string;
}

export type ApiKeyInfo = Omit<ApiKeyRecord, 'hash'> & { readonly status: 'active' | 'expired' | 'revoked' };

export interface CreateKeyOptions {
  readonly name: string;
  readonly scopes?: readonly string[];
  readonly roles?: readonly string[];
  /** Lifetime in ms; undefined: no expiry. */
  readonly ttlMs?: number;
}

const KV_PREFIX = 'apikey:';
const CHANNEL = 'gatehouse.apikeys';
/** `ghk_<id>_<secret>`: the id is 12 hex digits for lookup, the secret 256 random bits. */
const KEY_FORMAT = /^ghk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * API keys issued by `gatehouse keys`, kept in the store's kv port. Keys are shown once and
 * stored as SHA-256: a key is 256 random bits, so a slow password hash would add cost per
 * request and no protection. The gateway caches records for `cacheTtlMs` (and drops them when a
 * revocation is published), so a revoked key stops working within that time on every gateway.
 */
export class ApiKeyStore {
  private readonly cache: ExpiringLru<ApiKeyRecord | null>;
  private readonly now: () => number;

  constructor(private readonly kv: KeyValue, private readonly options: { cacheTtlMs?: number; pubsub?: PubSub; now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    this.cache = new ExpiringLru(10_000, this.now);
  }

  /** Evicts revoked keys from this process's cache as soon as any gateway or CLI announces them. */
  async subscribe(): Promise<() => Promise<void>> {
    if (this.options.pubsub === undefined) return async () => undefined;
    return this.options.pubsub.subscribe(CHANNEL, (id) => this.cache.delete(id));
  }

  async create(options: CreateKeyOptions): Promise<{ key: string; record: ApiKeyRecord }> {
    const id = randomBytes(6).toString('hex');
    const key = `ghk_${id}_${randomBytes(32).toString('base64url')}`;
    const now = this.now();
    const record: ApiKeyRecord = {
      id,
      name: options.name,
      scopes: [...options.scopes ?? []],
      roles: [...options.roles ?? []],
      hash: sha256(key),
      createdAt: now,
      ...(options.ttlMs === undefined ? {} : { expiresAt: now + options.ttlMs }),
    };
    if (!await this.kv.setIfAbsent(KV_PREFIX + id, JSON.stringify(record))) throw new Error('key id collision, try again');
    return { key, record };
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const text = await this.kv.get(KV_PREFIX + id);
    return text === undefined ? undefined : JSON.parse(text) as ApiKeyRecord;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const entries = await this.kv.list(KV_PREFIX, 10_000);
    return entries.map((e) => this.info(JSON.parse(e.value) as ApiKeyRecord));
  }

  info(record: ApiKeyRecord): ApiKeyInfo {
    const { hash: _hash, ...rest } = record;
    const status = record.revokedAt !== undefined ? 'revoked' : record.expiresAt !== undefined && record.expiresAt <= this.now() ? 'expired' : 'active';
    return { ...rest, status };
  }

  /** Marks the key revoked and tells every gateway; false when there is no such key. */
  async revoke(id: string): Promise<boolean> {
    const record = await this.get(id);
    if (record === undefined) return false;
    if (record.revokedAt === undefined) await this.kv.set(KV_PREFIX + id, JSON.stringify({ ...record, revokedAt: this.now() }));
    this.cache.delete(id);
    await this.options.pubsub?.publish(CHANNEL, id).catch(() => undefined);
    return true;
  }

  /**
   * Issues a successor with the same name, scopes and roles; the old key keeps working for
   * `overlapMs` (clients switch over without an outage), then expires.
   */
  async rotate(id: string, overlapMs: number, ttlMs?: number): Promise<{ key: string; record: ApiKeyRecord } | undefined> {
    const old = await this.get(id);
    if (old === undefined || old.revokedAt !== undefined) return undefined;
    const next = await this.create({ name: old.name, scopes: old.scopes, roles: old.roles, ...(ttlMs === undefined ? {} : { ttlMs }) });
    const end = this.now() + overlapMs;
    const expiresAt = old.expiresAt === undefined ? end : Math.min(old.expiresAt, end);
    await this.kv.set(KV_PREFIX + id, JSON.stringify({ ...old, expiresAt, rotatedTo: next.record.id }));
    this.cache.delete(id);
    await this.options.pubsub?.publish(CHANNEL, id).catch(() => undefined);
    return next;
  }

  /**
   * Checks a presented key. Every key is hashed and compared in constant time, against the
   * stored hash or, for a malformed key or an unknown id, against a fixed one, so the CPU work
   * does not tell those cases apart; an unknown id and a known one each cost one store read on a
   * cache miss and none on a hit. The reasons differ (they go to the log and the decision
   * trail); what the client is told does not (policies/authn/challenge.ts).
   */
  async verify(key: string): Promise<AuthnResult> {
    const presented = createHash('sha256').update(key).digest();
    const m = KEY_FORMAT.exec(key);
    if (m === null) return mismatch(presented, 'not a Gatehouse API key');
    const id = m[1] as string;
    let record = this.cache.get(id);
    if (record === undefined) {
      let stored: ApiKeyRecord | undefined;
      try {
        stored = await this.get(id);
      } catch (error) {
        return { ok: false, code: 'GH_DEPENDENCY_UNAVAILABLE', reason: `key store: ${(error as Error).message}` };
      }
      record = stored ?? null;
      this.cache.set(id, record, this.now() + (this.options.cacheTtlMs ?? 500));
    }
    if (record === null) return mismatch(presented, `unknown key id ${id}`);
    const stored = Buffer.from(record.hash, 'hex');
    if (stored.length !== presented.length || !timingSafeEqual(presented, stored)) return { ok: false, code: 'GH_AUTHN_INVALID', reason: `wrong secret for key id ${id}` };
    if (record.revokedAt !== undefined) return { ok: false, code: 'GH_AUTHN_REVOKED', reason: `key ${id} revoked` };
    if (record.expiresAt !== undefined && record.expiresAt <= this.now()) return { ok: false, code: 'GH_AUTHN_TOKEN_EXPIRED', reason: `key ${id} expired` };
    return { ok: true, identity: identityOf(record) };
  }
}

/** Compared against when there is no stored hash: the hash of no key anyone can present. */
const NO_KEY = createHash('sha256').update('\u0000no key\u0000').digest();

/** A refusal that did the same comparison work as a wrong secret for a known key. */
function mismatch(presented: Buffer, reason: string): AuthnResult {
  timingSafeEqual(presented, NO_KEY);
  return { ok: false, code: 'GH_AUTHN_INVALID', reason };
}

function identityOf(record: ApiKeyRecord): Identity {
  return {
    kind: 'api-key',
    subject: record.name,
    scopes: new Set(record.scopes),
    roles: new Set(record.roles),
    claims: { sub: record.name, key_id: record.id },
    credentialId: `key:${record.id}`,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
