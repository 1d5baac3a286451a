/**
 * The local encrypted secret store: one JSON file, each secret a list of versions, each version
 * an AES-256-GCM envelope (see envelope.ts). Rotation adds a version and keeps the previous one
 * readable until its overlap window ends, so API keys and webhook secrets can roll without
 * downtime; revocation destroys the ciphertext at once. A running process notices another
 * process's change within `refreshMs` (250 ms by default), well inside the one-second promise.
 */
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { open, seal, type Envelope } from './envelope.js';
import { SecretError } from './errors.js';
import type { KeyRing } from './kek.js';

export interface StoreOptions {
  readonly file: string;
  readonly keys: KeyRing;
  readonly now?: () => number;
  readonly refreshMs?: number;
}

export type VersionState = 'current' | 'overlap' | 'expired' | 'revoked';

export interface SecretInfo {
  readonly name: string;
  readonly versions: readonly { readonly version: number; readonly createdAt: string; readonly notAfter?: string; readonly state: VersionState }[];
}

interface VersionRecord {
  version: number;
  createdAt: string;
  notAfter?: string;
  revokedAt?: string;
  envelope?: Envelope;
}

interface StoreData {
  format: 'gatehouse-secrets/1';
  secrets: Record<string, { versions: VersionRecord[] }>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
const MAX_VALUE = 64 * 1024;

export function checkSecretName(name: string): void {
  if (!NAME.test(name)) throw new SecretError('GH_SECRET_NAME_INVALID', `secret name "${name.slice(0, 64)}" is invalid: use letters, digits, '.', '_', '-', '/' (up to 128, no ':')`);
}

/** A new random secret: 32 bytes, base64url (256 bits, safe in headers and URLs). */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export class SecretStore {
  readonly file: string;
  readonly #keys: KeyRing;
  readonly #now: () => number;
  readonly #refreshMs: number;
  #data: StoreData | undefined;
  #stamp = '';
  #checkedAt = -Infinity;

  constructor(options: StoreOptions) {
    this.file = options.file;
    this.#keys = options.keys;
    this.#now = options.now ?? Date.now;
    this.#refreshMs = options.refreshMs ?? 250;
  }

  /** The current version's value; a revoked or expired current version is refused, never skipped. */
  async get(name: string): Promise<string> {
    const versions = await this.#versions(name);
    const cur = versions[versions.length - 1] as VersionRecord;
    return this.#value(name, cur);
  }

  async getVersion(name: string, version: number): Promise<string> {
    const rec = (await this.#versions(name)).find((v) => v.version === version);
    if (rec === undefined) throw new SecretError('GH_SECRET_NOT_FOUND', `secret "${name}" has no version ${version}`);
    return this.#value(name, rec);
  }

  /** Every value to accept now: the current one and any still inside its overlap window. */
  async validValues(name: string): Promise<{ version: number; value: string }[]> {
    const out: { version: number; value: string }[] = [];
    for (const v of await this.#versions(name)) {
      if (this.#state(v, false) === 'overlap' || this.#state(v, false) === 'current') out.push({ version: v.version, value: this.#value(name, v) });
    }
    return out.reverse();
  }

  /** Constant-time check of a presented credential against every valid version. */
  async accepts(name: string, candidate: string): Promise<boolean> {
    const h = (s: string): Buffer => createHash('sha256').update(s).digest();
    const c = h(candidate);
    let ok = false;
    for (const v of await this.validValues(name)) ok = timingSafeEqual(h(v.value), c) || ok;
    return ok;
  }

  async list(): Promise<SecretInfo[]> {
    const data = await this.#load(false);
    return Object.keys(data.secrets).sort().map((name) => {
      const versions = data.secrets[name]?.versions ?? [];
      return {
        name,
        versions: versions.map((v, i) => ({
          version: v.version, createdAt: v.createdAt, ...(v.notAfter === undefined ? {} : { notAfter: v.notAfter }),
          state: this.#state(v, i === versions.length - 1),
        })),
      };
    });
  }

  /** Replaces the value now: earlier versions stop being accepted immediately. */
  async set(name: string, value: string): Promise<number> {
    return this.#addVersion(name, value, 0);
  }

  /** Adds a version; the previous one stays accepted for `overlapMs`, then is refused. */
  async rotate(name: string, options: { value?: string; overlapMs: number }): Promise<{ version: number; value: string; previousValidUntil: string }> {
    await this.#versions(name); // rotating a secret that does not exist is a mistake, not a create
    const value = options.value ?? generateSecret();
    const version = await this.#addVersion(name, value, options.overlapMs);
    return { version, value, previousValidUntil: new Date(this.#now() + options.overlapMs).toISOString() };
  }

  /** Destroys the ciphertext of one version, or of every version. Returns the versions revoked. */
  async revoke(name: string, version?: number): Promise<number[]> {
    return this.#write((data) => {
      const rec = data.secrets[name];
      if (rec === undefined) throw new SecretError('GH_SECRET_NOT_FOUND', `secret "${name}" is not in ${this.file}`);
      const hit = rec.versions.filter((v) => (version === undefined || v.version === version) && v.revokedAt === undefined);
      if (version !== undefined && !rec.versions.some((v) => v.version === version)) throw new SecretError('GH_SECRET_NOT_FOUND', `secret "${name}" has no version ${version}`);
      const at = new Date(this.#now()).toISOString();
      for (const v of hit) {
        v.revokedAt = at;
        delete v.envelope;
      }
      return hit.map((v) => v.version);
    });
  }

  async delete(name: string): Promise<boolean> {
    return this.#write((data) => {
      const had = Object.hasOwn(data.secrets, name);
      delete data.secrets[name];
      return had;
    });
  }

  /** Re-encrypts every envelope under the current key (after GATEHOUSE_SECRETS_PREVIOUS_KEY rotation). */
  async rekey(): Promise<number> {
    return this.#write((data) => {
      let n = 0;
      for (const [name, rec] of Object.entries(data.secrets)) {
        for (const v of rec.versions) {
          if (v.envelope === undefined || v.envelope.kid === this.#keys.current.id) continue;
          this.#reseal(name, v, () => undefined);
          n++;
        }
      }
      return n;
    });
  }

  async #addVersion(name: string, value: string, overlapMs: number): Promise<number> {
    checkSecretName(name);
    if (value.length === 0) throw new SecretError('GH_SECRET_REF_INVALID', `secret "${name}": the value is empty`);
    if (Buffer.byteLength(value) > MAX_VALUE) throw new SecretError('GH_SECRET_REF_INVALID', `secret "${name}": the value is over ${MAX_VALUE} bytes`);
    return this.#write((data) => {
      const rec = (data.secrets[name] ??= { versions: [] });
      const now = this.#now();
      const until = new Date(now + overlapMs).toISOString();
      for (const v of rec.versions) {
        // Shorten, never lengthen, an earlier window; the window is inside the AAD, so re-seal.
        if (v.revokedAt === undefined && v.envelope !== undefined && (v.notAfter === undefined || v.notAfter > until)) this.#reseal(name, v, () => { v.notAfter = until; });
      }
      // Numbered before rotated-out versions are dropped, so a number is never reused.
      const version = Math.max(0, ...rec.versions.map((v) => v.version)) + 1;
      rec.versions = rec.versions.filter((v) => v.revokedAt !== undefined || v.notAfter === undefined || Date.parse(v.notAfter) > now);
      const fresh: VersionRecord = { version, createdAt: new Date(now).toISOString() };
      fresh.envelope = seal(this.#keys.current, Buffer.from(value, 'utf8'), aad(name, fresh));
      rec.versions.push(fresh);
      return version;
    });
  }

  #reseal(name: string, v: VersionRecord, change: () => void): void {
    const plain = open(this.#keys, v.envelope as Envelope, aad(name, v), `secret "${name}" version ${v.version}`);
    change();
    v.envelope = seal(this.#keys.current, plain, aad(name, v));
    plain.fill(0);
  }

  #state(v: VersionRecord, isLatest: boolean): VersionState {
    if (v.revokedAt !== undefined || v.envelope === undefined) return 'revoked';
    if (v.notAfter !== undefined && this.#now() >= Date.parse(v.notAfter)) return 'expired';
    return v.notAfter === undefined || isLatest ? 'current' : 'overlap';
  }

  #value(name: string, v: VersionRecord): string {
    const where = `secret "${name}" version ${v.version}`;
    const state = this.#state(v, false);
    if (state === 'revoked') throw new SecretError('GH_SECRET_REVOKED', `${where} was revoked at ${v.revokedAt ?? '?'}`);
    if (state === 'expired') throw new SecretError('GH_SECRET_EXPIRED', `${where} was rotated out; its overlap window ended at ${v.notAfter ?? '?'}`);
    return open(this.#keys, v.envelope as Envelope, aad(name, v), where).toString('utf8');
  }

  async #versions(name: string): Promise<VersionRecord[]> {
    const rec = (await this.#load(false)).secrets[name];
    if (rec === undefined || rec.versions.length === 0) throw new SecretError('GH_SECRET_NOT_FOUND', `secret "${name}" is not in ${this.file}`);
    return rec.versions;
  }

  async #load(force: boolean): Promise<StoreData> {
    const now = this.#now();
    if (!force && this.#data !== undefined && now - this.#checkedAt < this.#refreshMs) return this.#data;
    this.#checkedAt = now;
    let stamp: string;
    try {
      const st = await stat(this.file);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SecretError('GH_SECRET_STORE_INVALID', `${this.file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      this.#data = { format: 'gatehouse-secrets/1', secrets: {} };
      this.#stamp = 'missing';
      return this.#data;
    }
    if (this.#data !== undefined && stamp === this.#stamp && !force) return this.#data;
    this.#data = parseStore(await readFile(this.file, 'utf8'), this.file);
    this.#stamp = stamp;
    return this.#data;
  }

  async #write<T>(change: (data: StoreData) => T): Promise<T> {
    const data = structuredClone(await this.#load(true));
    // A wrong key must not start a second, mixed store inside the first.
    for (const [name, rec] of Object.entries(data.secrets)) {
      const foreign = rec.versions.find((v) => v.envelope !== undefined && !this.#keys.byId.has(v.envelope.kid));
      if (foreign !== undefined) open(this.#keys, foreign.envelope as Envelope, '', `secret "${name}" version ${foreign.version}`);
    }
    const result = change(data);
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    // Written aside and renamed: a reader sees the old file or the new one, never half of one.
    await writeFile(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, this.file);
    this.#data = undefined;
    await this.#load(true);
    return result;
  }
}

function aad(name: string, v: VersionRecord): string {
  return JSON.stringify(['gatehouse-secret/1', name, v.version, v.createdAt, v.notAfter ?? null]);
}

function parseStore(text: string, file: string): StoreData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SecretError('GH_SECRET_STORE_INVALID', `${file}: not valid JSON (the store file is corrupted)`);
  }
  const bad = (where: string): never => { throw new SecretError('GH_SECRET_STORE_INVALID', `${file}: ${where} is malformed (the store file was modified)`); };
  const d = json as Partial<StoreData> | null;
  if (d === null || typeof d !== 'object' || d.format !== 'gatehouse-secrets/1' || typeof d.secrets !== 'object' || d.secrets === null) return bad('the header');
  for (const [name, rec] of Object.entries(d.secrets)) {
    if (!Array.isArray(rec?.versions)) bad(`secrets["${name}"]`);
    for (const v of rec.versions) {
      if (typeof v?.version !== 'number' || typeof v.createdAt !== 'string') bad(`secrets["${name}"].versions`);
      const e = v.envelope;
      if (e !== undefined && [e.kid, e.iv, e.tag, e.data].some((x) => typeof x !== 'string')) bad(`secrets["${name}"] version ${v.version}`);
    }
    rec.versions.sort((a, b) => a.version - b.version);
  }
  return d as StoreData;
}
