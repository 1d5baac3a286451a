import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JWK } from 'jose';
import { GatehouseError } from '../errors/index.js';
import { generateSigningJwk, signingKeyFromJwk, type SigningKey } from './signing-key.js';

/** One key of the ring: when it was made, when it signs from and, once replaced, when it stops signing. */
export interface RingKey extends SigningKey {
  readonly createdAt: number;
  readonly activeFrom: number;
  readonly retiredAt: number | undefined;
  readonly jwk: JWK;
}

export interface KeyRingOptions {
  /** Make a new key when the current one is this old; undefined: never on a schedule. */
  readonly rotateEveryMs?: number | undefined;
  /** The longest lifetime of a token signed by the ring: a retired key is kept this long (plus skew). */
  readonly maxTokenTtlMs?: number;
  readonly skewMs?: number;
  /**
   * A scheduled new key is published this long before it signs, so upstreams that cached the
   * key set (for the admin endpoint's max-age) know it before they see it. Default: 2 min,
   * at most half of rotateEvery.
   */
  readonly publishAheadMs?: number;
  /** Make the file with one key when it is missing. */
  readonly create?: boolean;
  readonly now?: () => number;
}

/** The code of every error about the key file: it is named in the message. */
export const KEY_FILE_ERROR = 'GH_SIGNING_KEY_FILE';

const FORMAT = 'gatehouse-signing-keys/1';
const LOCK_WAIT_MS = 5_000;
/** A lock older than this was left by a crashed process: a rotation takes milliseconds. */
const LOCK_STALE_MS = 30_000;

/**
 * The local issuer's signing keys, kept in one file shared by every gateway process and the
 * `gatehouse token` command. The file holds `{ format, keys: [{ createdAt, activeFrom, retiredAt?, jwk }] }`
 * (a bare private JWK, the older format, is read as a ring of one key made at the file's mtime).
 * Changes are made under an exclusive lock file after re-reading the file, and written to a
 * temporary file renamed over the old one, so processes racing to rotate agree on one new key
 * and no reader ever sees half a file. The switch to a scheduled key happens at its
 * `activeFrom`, a time written in the file: every process switches at the same moment.
 */
export class SigningKeyRing {
  private ring: readonly RingKey[] = [];
  private signature = '';
  private readonly rotateEveryMs: number | undefined;
  private readonly keepMs: number;
  private readonly aheadMs: number;
  private readonly now: () => number;

  private constructor(readonly file: string, options: KeyRingOptions) {
    this.rotateEveryMs = options.rotateEveryMs;
    this.keepMs = (options.maxTokenTtlMs ?? 3_600_000) + (options.skewMs ?? 60_000);
    this.aheadMs = options.publishAheadMs ?? Math.min(120_000, (options.rotateEveryMs ?? 0) / 2);
    this.now = options.now ?? (() => Date.now());
  }

  static async open(file: string, options: KeyRingOptions = {}): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing(path.resolve(file), options);
    if (options.create === true && await ring.fileSignature() === undefined) {
      await ring.locked(async () => {
        if (await ring.fileSignature() === undefined) await ring.write([await newKey(ring.now())]);
      });
    }
    await ring.reload();
    return ring;
  }

  /** The newest key active at `now` and not retired: every new token is signed with it. */
  current(now = this.now()): RingKey {
    const later = (a: RingKey, b: RingKey) => b.activeFrom > a.activeFrom || (b.activeFrom === a.activeFrom && b.createdAt > a.createdAt);
    const newest = (keys: readonly RingKey[]) => keys.reduce((a, b) => (later(a, b) ? b : a));
    const started = this.ring.filter((k) => k.activeFrom <= now);
    const active = started.filter((k) => k.retiredAt === undefined || k.retiredAt > now);
    // A hand-edited file may retire every key: sign with the newest rather than not at all.
    if (active.length > 0) return newest(active);
    return started.length > 0 ? newest(started) : this.ring.reduce((a, b) => (b.activeFrom < a.activeFrom ? b : a));
  }

  keys(): readonly RingKey[] {
    return this.ring;
  }

  /** The public keys that may verify a token: the current one, a scheduled next one and retired ones within their window. */
  publicJwks(now = this.now()): { keys: JWK[] } {
    return { keys: this.ring.filter((k) => !this.expired(k, now)).map((k) => k.publicJwk) };
  }

  /** Re-reads the file when another process (or `gatehouse token rotate`) changed it. */
  async refresh(): Promise<boolean> {
    const signature = await this.fileSignature();
    if (signature === this.signature) return false;
    await this.reload();
    return true;
  }

  /**
   * Schedules a new key when the current one reaches `rotateEvery` (less the publish-ahead
   * time; the current key retires when the new one starts) and drops retired keys whose tokens
   * have all expired. Returns whether the ring gained a key, by this call or by another process
   * since the ring last looked.
   */
  async rotateIfDue(now = this.now()): Promise<boolean> {
    const before = new Set(this.ring.map((k) => k.kid));
    const gained = () => this.ring.some((k) => !before.has(k.kid));
    await this.refresh();
    if (!this.due(now) && !this.ring.some((k) => this.expired(k, now))) return gained();
    await this.locked(async () => {
      await this.reload();
      const rotate = this.due(now);
      const kept = this.ring.filter((k) => !this.expired(k, now));
      if (!rotate && kept.length === this.ring.length) return;
      await this.write(rotate ? this.succeed(kept, now, now + this.aheadMs) : kept);
    });
    return gained();
  }

  /** Makes a new current key now, whatever the schedule (`gatehouse token rotate`, a leaked key). */
  async rotate(now = this.now()): Promise<RingKey> {
    await this.locked(async () => {
      await this.reload();
      await this.write(this.succeed(this.ring.filter((k) => !this.expired(k, now)), now, now));
    });
    return this.current(now);
  }

  /** `kept` retired (at `from` at the latest) followed by a new key signing from `from`. */
  private async succeed(kept: readonly RingKey[], now: number, from: number): Promise<StoredKey[]> {
    const retired = kept.map((k): StoredKey => ({ createdAt: k.createdAt, activeFrom: Math.min(k.activeFrom, from), retiredAt: Math.min(k.retiredAt ?? from, from), jwk: k.jwk }));
    return [...retired, { createdAt: now, activeFrom: from, retiredAt: undefined, jwk: await generateSigningJwk() }];
  }

  /** Due when no successor is scheduled yet and the current key is `rotateEvery` old (less the publish-ahead). */
  private due(now: number): boolean {
    if (this.rotateEveryMs === undefined) return false;
    if (this.ring.some((k) => k.activeFrom > now)) return false;
    const current = this.current(now);
    return (current.retiredAt !== undefined && current.retiredAt <= now) || now + this.aheadMs - current.activeFrom >= this.rotateEveryMs;
  }

  private expired(key: RingKey, now: number): boolean {
    return key.retiredAt !== undefined && now >= key.retiredAt + this.keepMs;
  }

  private async fileSignature(): Promise<string | undefined> {
    try {
      const s = await stat(this.file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fileError(this.file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  private async reload(): Promise<void> {
    let text: string;
    let signature: string | undefined;
    try {
      signature = await this.fileSignature();
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (error instanceof GatehouseError) throw error;
      throw fileError(this.file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    this.ring = await parseRing(this.file, text, signature === undefined ? this.now() : Number(signature.split(':')[2]));
    this.signature = signature ?? '';
  }

  private async write(keys: readonly StoredKey[] | Promise<StoredKey[]>): Promise<void> {
    const iso = (ms: number) => new Date(ms).toISOString();
    const body = { format: FORMAT, keys: (await keys).map((k) => ({ createdAt: iso(k.createdAt), activeFrom: iso(k.activeFrom), ...(k.retiredAt === undefined ? {} : { retiredAt: iso(k.retiredAt) }), jwk: k.jwk })) };
    const temp = `${this.file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, this.file);
    await this.reload();
  }

  /**
   * Runs `body` holding `<file>.lock` (created with O_EXCL, so one holder across processes).
   * Written by hand: no maintained lock package is a dependency, and this needs only
   * create-exclusive, wait, and the removal of a lock left by a crashed process.
   */
  private async locked(body: () => Promise<void>): Promise<void> {
    const lock = `${this.file}.lock`;
    await mkdir(path.dirname(this.file), { recursive: true });
    // performance.now: the lock's timing is wall-clock even when tests fake Date.
    const wall = () => performance.timeOrigin + performance.now();
    const deadline = wall() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lock, 'wx', 0o600);
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(this.file, `cannot be locked (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
        const age = await stat(lock).then((s) => wall() - s.mtimeMs, () => 0);
        if (age > LOCK_STALE_MS) await unlink(lock).catch(() => undefined);
        else if (wall() > deadline) throw fileError(this.file, `is locked by another process (${lock})`);
        else await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
      }
    }
    try {
      await body();
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }
}

interface StoredKey {
  readonly createdAt: number;
  readonly activeFrom: number;
  readonly retiredAt: number | undefined;
  readonly jwk: JWK;
}

async function newKey(now: number): Promise<StoredKey> {
  return { createdAt: now, activeFrom: now, retiredAt: undefined, jwk: await generateSigningJwk() };
}

function fileError(file: string, problem: string): GatehouseError {
  return new GatehouseError(KEY_FILE_ERROR, `the signing key file ${file} ${problem}`, { details: { file } });
}

async function parseRing(file: string, text: string, mtimeMs: number): Promise<RingKey[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fileError(file, `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fileError(file, 'must hold a JSON object');
  const raw = parsed as { keys?: unknown; kty?: unknown };
  let entries: { createdAt: unknown; activeFrom?: unknown; retiredAt?: unknown; jwk: unknown }[];
  if (raw.keys === undefined && raw.kty !== undefined) {
    // The single-key format written before rotation existed.
    entries = [{ createdAt: mtimeMs, jwk: raw }];
  } else if (Array.isArray(raw.keys) && raw.keys.length > 0) {
    entries = raw.keys as typeof entries;
  } else {
    throw fileError(file, 'must be a private JWK or a key ring { "keys": [{ "createdAt", "jwk" }, ...] } with at least one key');
  }
  return Promise.all(entries.map(async (entry, i): Promise<RingKey> => {
    const at = `keys[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw fileError(file, `${at} must be an object`);
    const createdAt = time(entry.createdAt);
    if (createdAt === undefined) throw fileError(file, `${at}.createdAt must be an ISO date`);
    const activeFrom = entry.activeFrom === undefined ? createdAt : time(entry.activeFrom);
    if (activeFrom === undefined) throw fileError(file, `${at}.activeFrom must be an ISO date`);
    const retiredAt = entry.retiredAt === undefined ? undefined : time(entry.retiredAt);
    if (entry.retiredAt !== undefined && retiredAt === undefined) throw fileError(file, `${at}.retiredAt must be an ISO date`);
    let key: SigningKey;
    try {
      key = await signingKeyFromJwk(entry.jwk as JWK, file);
    } catch (error) {
      throw fileError(file, `${at}.jwk: ${(error as Error).message.replace(`the signing key ${file} `, '')}`);
    }
    return { ...key, createdAt, activeFrom, retiredAt, jwk: entry.jwk as JWK };
  }));
}

function time(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
