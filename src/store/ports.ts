/**
 * Storage ports, defined by what the gateway and the control plane need, not by any database.
 * Every adapter (memory, sqlite, redis, postgres) implements all of them and passes the shared
 * contract suite in `testing/contract.ts`.
 *
 * Rules common to every port:
 * - Every method is async. A backing service that cannot serve a call makes it reject with
 *   `StoreUnavailableError` within a bounded time; a call never hangs.
 * - Keys and stream names are opaque strings chosen by the caller; adapters namespace them
 *   (Redis prefix, SQL schema) so several tenants or test runs can share one server.
 * - Counters, GCRA buckets, concurrency slots and kv entries live in separate namespaces: the
 *   same key string in two of them names two different things.
 * - Durations are milliseconds. TTLs must be positive integers.
 */

/** Atomic counters with expiry: rate limits, quotas, anomaly windows, concurrency. */
export interface Counters {
  /**
   * Adds `by` (may be negative) to the counter and returns the new value. A missing or expired
   * counter starts from 0 and gets `ttlMs`; the TTL of a live counter is not extended, so a
   * counter is a fixed window that ends `ttlMs` after its first increment.
   */
  increment(key: string, by: number, ttlMs: number): Promise<number>;
  /** The current value, 0 when the counter is missing or expired. */
  get(key: string): Promise<number>;
  /** Deletes the counter; the next increment starts a new window. */
  reset(key: string): Promise<void>;
  /**
   * Generic cell rate algorithm: one atomic, exact step of a token bucket that refills one
   * token every `emissionIntervalMs` and holds at most `burst` tokens. Takes `cost` tokens
   * (default 1) when they are all there, otherwise takes nothing. A `cost` above `burst` is
   * never allowed. Time is the engine's clock (Redis and PostgreSQL: the server's, so all
   * gateways agree) unless `nowMs` is given.
   */
  gcra(key: string, options: GcraOptions): Promise<GcraResult>;
  /**
   * The same step answered at once, by a store that keeps its counters in this process (the
   * memory store); absent where the answer needs I/O. The rate limiter takes it when it is
   * there: a promise and its microtask turns per limited request cost more than the step itself.
   */
  gcraNow?(key: string, options: GcraOptions): GcraResult;
  /**
   * Takes one of `limit` concurrency slots; false when all are taken. The slot count expires
   * `ttlMs` after the last successful acquire, which bounds how long slots leaked by a crashed
   * holder stay taken.
   */
  acquire(key: string, limit: number, ttlMs: number): Promise<boolean>;
  /** Gives back one slot taken by `acquire`. Releasing more than was acquired is a no-op. */
  release(key: string): Promise<void>;
}

export interface GcraOptions {
  /** Milliseconds per token: for "100 per minute", 600. */
  readonly emissionIntervalMs: number;
  /** Bucket size: how many requests may arrive back to back from a full bucket (>= 1). */
  readonly burst: number;
  /**
   * Tokens this request takes; 0 peeks without taking; a negative cost gives back tokens an
   * earlier call took (never past a full bucket, always allowed). Default 1.
   */
  readonly cost?: number;
  /** Overrides the engine's clock (tests, replays). */
  readonly nowMs?: number;
}

export interface GcraResult {
  readonly allowed: boolean;
  /** Tokens left after this call. */
  readonly remaining: number;
  /** 0 when allowed; otherwise how long until the same cost would be allowed. */
  readonly retryAfterMs: number;
  /** How long until the bucket is full again (the `RateLimit` reset). */
  readonly resetAfterMs: number;
}

export interface KeyValueEntry {
  readonly key: string;
  readonly value: string;
}

/** Strings by key with optional expiry: revocation lists, API key records, JWKS cache... */
export interface KeyValue {
  /** The value, or undefined when missing or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores the value; without `ttlMs` it never expires. Replaces any previous value and TTL. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Stores the value only if the key is missing or expired; true when it stored it. Atomic. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** True when a live entry was deleted. */
  delete(key: string): Promise<boolean>;
  /**
   * Live entries whose key starts with `prefix`, in ascending key order, at most `limit`
   * (default 1000). Meant for admin listings and warm-up, not for the request path.
   */
  list(prefix: string, limit?: number): Promise<KeyValueEntry[]>;
}

export type FieldValue = string | number | boolean;

export interface RecordFilter {
  /** Inclusive lower bound on the insertion timestamp (ms since epoch). */
  readonly since?: number;
  /** Exclusive upper bound on the insertion timestamp. */
  readonly until?: number;
  /** Equality on top-level fields of the record, all must match (same type, same value). */
  readonly where?: Readonly<Record<string, FieldValue>>;
}

export interface RecordQuery extends RecordFilter {
  /** Default 1000, at most 10000. */
  readonly limit?: number;
  /** By insertion order; default 'asc'. */
  readonly order?: 'asc' | 'desc';
}

export interface StoredRecord {
  /** Adapter-assigned, unique within the stream, increasing in insertion order. */
  readonly id: string;
  /** Insertion timestamp, ms since epoch. */
  readonly ts: number;
  readonly data: Record<string, unknown>;
}

/** Which records `trim` deletes: either bound, or both. */
export interface TrimRule {
  /** Records inserted before this time (ms since epoch, exclusive) are deleted. */
  readonly before?: number;
  /** All but the newest `keep` records of the stream are deleted (0 deletes them all). */
  readonly keep?: number;
}

/** Append-only records in named streams: audit trail, inventory observations, findings, alerts. */
export interface Records {
  /** Stores a JSON-serialisable object and returns its id. */
  append(stream: string, record: object): Promise<string>;
  /** Stores all records atomically (all or none) and returns their ids in order. */
  appendMany(stream: string, records: readonly object[]): Promise<string[]>;
  /**
   * `appendMany` for records already serialised, each a JSON object text (from `recordJson` or a
   * writer that escapes as JSON.stringify does): every engine stores JSON, so the text is kept as
   * it is, without a parse and a second serialisation. A text that is not a JSON object is refused.
   */
  appendManyJson(stream: string, texts: readonly string[]): Promise<string[]>;
  query(stream: string, query?: RecordQuery): Promise<StoredRecord[]>;
  count(stream: string, filter?: RecordFilter): Promise<number>;
  /**
   * Retention: deletes the oldest records of a stream, those inserted before `rule.before` and
   * those beyond the newest `rule.keep`, and returns how many went. Works in bounded batches so
   * a large backlog never holds a lock or the event loop for long; safe to run from several
   * gateways at once (each record is deleted once).
   */
  trim(stream: string, rule: TrimRule): Promise<number>;
}

export type MessageHandler = (message: string) => void;

/**
 * Fire-and-forget fan-out: revocations and config changes reach every gateway that is
 * subscribed at the time. Nothing is stored; a subscriber that is down misses the message.
 */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes this handler. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;
}

export interface StoreHealth {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface Store {
  readonly counters: Counters;
  readonly kv: KeyValue;
  readonly records: Records;
  readonly pubsub: PubSub;
  /** Never rejects: reports whether the backing services answer. */
  health(): Promise<StoreHealth>;
  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>;
}
