/**
 * One AES-256-GCM envelope per secret version: a fresh random 96-bit IV each time (NIST SP
 * 800-38D §8.2.2: never reuse an IV under one key), the 128-bit tag, and the id of the key that
 * sealed it. The additional authenticated data binds the ciphertext to its secret name, version
 * and validity window, so moving an envelope to another name or stretching its overlap window in
 * the file is detected like any other tampering.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretError } from './errors.js';
import type { Kek, KeyRing } from './kek.js';

export interface Envelope {
  readonly kid: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

export function seal(kek: Kek, plaintext: Buffer, aad: string): Envelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { kid: kek.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** `where` names the secret and version for the error; the plaintext never reaches a message. */
export function open(ring: KeyRing, env: Envelope, aad: string, where: string): Buffer {
  const kek = ring.byId.get(env.kid);
  if (kek === undefined) {
    throw new SecretError('GH_SECRET_KEY_MISMATCH', `${where} was encrypted under key ${env.kid}, but the configured key is ${ring.current.id} (wrong GATEHOUSE_SECRETS_KEY? set GATEHOUSE_SECRETS_PREVIOUS_KEY while re-keying)`);
  }
  const iv = Buffer.from(env.iv, 'base64');
  const tag = Buffer.from(env.tag, 'base64');
  if (iv.length !== 12 || tag.length !== 16) throw new SecretError('GH_SECRET_TAMPERED', `${where}: the envelope is malformed (the store file was modified)`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek.key, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(env.data, 'base64')), decipher.final()]);
  } catch {
    throw new SecretError('GH_SECRET_TAMPERED', `${where} failed its integrity check: the store file was modified or corrupted; refusing to read it`);
  }
}
