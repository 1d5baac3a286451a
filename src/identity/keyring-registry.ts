import { access } from 'node:fs/promises';
import path from 'node:path';
import type { SigningConfig } from './identity-config.js';
import { SigningKeyRing } from './signing-keyring.js';

/**
 * One key ring per key file per process, shared by the runtimes a reload overlaps and by the
 * admin listener's JWKS endpoint. Its rotation timer runs while at least one runtime holds it.
 */
interface Entry {
  ring: Promise<SigningKeyRing> | undefined;
  users: number;
  timer: NodeJS.Timeout | undefined;
  readonly settings: SigningConfig;
}

const entries = new Map<string, Entry>();

const keyOf = (s: SigningConfig) => `${path.resolve(s.keyFile)}\u0000${s.rotateEveryMs ?? ''}\u0000${s.maxTokenLifetimeMs}`;

export interface HeldKeyRing {
  /** The ring, opened on first use (and again after a failed open). */
  ring(): Promise<SigningKeyRing>;
  release(): void;
}

/** How often the timer looks: often enough to publish a key ahead of its use, and to notice other processes' rotations. */
export function checkIntervalMs(rotateEveryMs: number | undefined): number {
  return rotateEveryMs === undefined ? 60_000 : Math.min(60_000, Math.max(100, Math.floor(rotateEveryMs / 10)));
}

export function openRing(settings: SigningConfig): Promise<SigningKeyRing> {
  return SigningKeyRing.open(settings.keyFile, {
    rotateEveryMs: settings.rotateEveryMs,
    maxTokenTtlMs: settings.maxTokenLifetimeMs,
    create: settings.rotateEveryMs !== undefined,
  });
}

function ringOf(entry: Entry): Promise<SigningKeyRing> {
  entry.ring ??= openRing(entry.settings).catch((error: unknown) => {
    entry.ring = undefined;
    throw error;
  });
  return entry.ring;
}

/** Takes a share of the ring for `settings`; `onError` hears about failed rotation checks. */
export function acquireKeyRing(settings: SigningConfig, onError: (error: unknown) => void): HeldKeyRing {
  const key = keyOf(settings);
  let entry = entries.get(key);
  if (entry === undefined) {
    entry = { ring: undefined, users: 0, timer: undefined, settings };
    entries.set(key, entry);
  }
  const held = entry;
  held.users += 1;
  if (held.timer === undefined) {
    held.timer = setInterval(() => {
      ringOf(held).then((ring) => ring.rotateIfDue()).catch(onError);
    }, checkIntervalMs(settings.rotateEveryMs));
    held.timer.unref();
  }
  let released = false;
  return {
    ring: () => ringOf(held),
    release() {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users > 0) return;
      clearInterval(held.timer);
      entries.delete(key);
    },
  };
}

/** The ring a runtime of this process holds for `settings`, if any (tests, the admin listener). */
export function heldKeyRing(settings: SigningConfig): Promise<SigningKeyRing> | undefined {
  const entry = entries.get(keyOf(settings));
  return entry === undefined ? undefined : ringOf(entry);
}

/**
 * The key set upstreams verify forwarded tokens with; undefined when no signing key is
 * configured or its file does not exist yet. The file is re-read when it changed, so keys
 * another process added are published too.
 */
export async function publishedJwks(settings: SigningConfig | undefined): Promise<object | undefined> {
  if (settings === undefined) return undefined;
  const held = heldKeyRing(settings);
  let ring: SigningKeyRing;
  if (held === undefined) {
    if (!await access(settings.keyFile).then(() => true, () => false)) return undefined;
    ring = await SigningKeyRing.open(settings.keyFile, { maxTokenTtlMs: settings.maxTokenLifetimeMs });
  } else {
    ring = await held;
    await ring.refresh();
  }
  return ring.publicJwks();
}
