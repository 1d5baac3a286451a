/**
 * The key-encryption key (KEK) of the local secret store. It comes from the environment
 * (`GATEHOUSE_SECRETS_KEY`, base64 of 32 random bytes) or a file (`GATEHOUSE_SECRETS_KEY_FILE`,
 * holding the same base64 text or the 32 raw bytes), never from the config file: whoever can
 * read the config must not thereby read every secret. `GATEHOUSE_SECRETS_PREVIOUS_KEY` may name
 * the key being rotated away from, so envelopes written under it stay readable until re-keyed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SecretError } from './errors.js';

export interface Kek {
  /** A public fingerprint of the key, stored in each envelope to pick the key that opens it. */
  readonly id: string;
  readonly key: Buffer;
}

export interface KeyRing {
  readonly current: Kek;
  readonly byId: ReadonlyMap<string, Kek>;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function kekFromBytes(key: Buffer): Kek {
  if (key.length !== 32) throw new SecretError('GH_SECRET_KEY_INVALID', `the key-encryption key must be 32 bytes (got ${key.length}); make one with: openssl rand -base64 32`);
  // A fingerprint under a fixed label: it identifies the key without being usable as one.
  const id = createHash('sha256').update('gatehouse-secrets-kek\0').update(key).digest('hex').slice(0, 16);
  return { id, key };
}

function decode(text: string, where: string): Buffer {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) throw new SecretError('GH_SECRET_KEY_INVALID', `${where} is not base64 (expected 32 random bytes in base64: openssl rand -base64 32)`);
  const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) throw new SecretError('GH_SECRET_KEY_INVALID', `${where} decodes to ${key.length} bytes, not 32 (openssl rand -base64 32)`);
  return key;
}

export function loadKeyRing(env: Env = process.env): KeyRing {
  const inline = env.GATEHOUSE_SECRETS_KEY;
  const file = env.GATEHOUSE_SECRETS_KEY_FILE;
  if (inline !== undefined && inline !== '' && file !== undefined && file !== '') {
    throw new SecretError('GH_SECRET_KEY_INVALID', 'both GATEHOUSE_SECRETS_KEY and GATEHOUSE_SECRETS_KEY_FILE are set: set one');
  }
  let current: Kek;
  if (inline !== undefined && inline !== '') current = kekFromBytes(decode(inline, 'GATEHOUSE_SECRETS_KEY'));
  else if (file !== undefined && file !== '') {
    let raw: Buffer;
    try {
      raw = readFileSync(file);
    } catch (err) {
      throw new SecretError('GH_SECRET_KEY_MISSING', `GATEHOUSE_SECRETS_KEY_FILE=${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    current = kekFromBytes(raw.length === 32 ? raw : decode(raw.toString('utf8'), `GATEHOUSE_SECRETS_KEY_FILE=${file}`));
  } else {
    throw new SecretError('GH_SECRET_KEY_MISSING', 'no key-encryption key: set GATEHOUSE_SECRETS_KEY (base64 of 32 bytes) or GATEHOUSE_SECRETS_KEY_FILE');
  }
  const byId = new Map([[current.id, current]]);
  const previous = env.GATEHOUSE_SECRETS_PREVIOUS_KEY;
  if (previous !== undefined && previous !== '') {
    const old = kekFromBytes(decode(previous, 'GATEHOUSE_SECRETS_PREVIOUS_KEY'));
    byId.set(old.id, old);
  }
  return { current, byId };
}
