import { classifyValue } from '../detect/sensitive/classify.js';

/**
 * What a path segment that carries a secret or personal data is replaced with, in logs and in
 * the inventory: `/reset/sk_live_4eC3…` is logged and recorded as `/reset/{token}`. Paths are
 * where credentials leak most often (magic links, tokens in REST paths, e-mail addresses as ids),
 * and whoever reads the logs or the inventory must never find one there.
 */
export type SensitiveSegment = '{email}' | '{card}' | '{phone}' | '{pii}' | '{ip}' | '{token}';

const PLACEHOLDERS = {
  email: '{email}', card: '{card}', phone: '{phone}', ssn: '{pii}', iban: '{pii}', ipv4: '{ip}', jwt: '{token}', secret: '{token}',
} as const;

/** The placeholder for a (decoded) path segment that looks like a secret or personal data, else undefined. */
export function sensitiveSegment(segment: string): SensitiveSegment | undefined {
  if (segment.length < 7) return undefined;
  const category = classifyValue(segment);
  if (category !== undefined) return PLACEHOLDERS[category];
  return looksRandom(segment) ? '{token}' : undefined;
}

const LOWER = 1;
const UPPER = 2;
const DIGIT = 4;
const HEX_LETTER = 8;

function classOf(c: number): number {
  if (c >= 48 && c <= 57) return DIGIT;
  if (c >= 97 && c <= 122) return c <= 102 ? LOWER | HEX_LETTER : LOWER;
  if (c >= 65 && c <= 90) return c <= 70 ? UPPER | HEX_LETTER : UPPER;
  return 0;
}

/**
 * A long random-looking run of letters and digits: an opaque token, a session id, an API key
 * without a known prefix. Written by hand because the question is statistical, not a pattern:
 *   - hex of 32 characters or more (MD5 and longer: signatures, reset tokens); shorter hex is an
 *     id (a Mongo ObjectId has 24);
 *   - 20+ letters and digits mixed, switching character class at least every fourth character
 *     on average (random base62 switches about 6 times in 10; words with a number, far less);
 *   - 20+ letters only, about as many capitals as small letters and no run of 5 small letters
 *     (camelCase identifiers have long lower-case runs).
 * UUIDs (dash-separated runs of at most 12) and slugs are not runs of 20.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 20) return false;
  let start = 0;
  while (start < value.length) {
    let end = start;
    let classes = 0;
    let changes = 0;
    let uppers = 0;
    let lowerRun = 0;
    let longestLower = 0;
    let hex = true;
    let previous = 0;
    for (; end < value.length; end++) {
      const cls = classOf(value.charCodeAt(end));
      if (cls === 0) break;
      const kind = cls & (LOWER | UPPER | DIGIT);
      if (end > start && kind !== previous) changes++;
      previous = kind;
      classes |= kind;
      if (kind === UPPER) uppers++;
      if (kind === LOWER) longestLower = Math.max(longestLower, ++lowerRun);
      else lowerRun = 0;
      if (kind !== DIGIT && (cls & HEX_LETTER) === 0) hex = false;
    }
    const length = end - start;
    if (length >= 20) {
      const digits = (classes & DIGIT) !== 0;
      const letters = (classes & (LOWER | UPPER)) !== 0;
      const hexCase = (classes & (LOWER | UPPER)) !== (LOWER | UPPER);
      if (hex && hexCase && digits && letters) {
        if (length >= 32) return true;
      } else if (digits && letters) {
        if (changes * 4 >= length - 1) return true;
      } else if ((classes & (LOWER | UPPER)) === (LOWER | UPPER) && longestLower < 5) {
        const ratio = uppers / length;
        if (ratio >= 0.35 && ratio <= 0.65) return true;
      }
    }
    start = end + 1;
  }
  return false;
}

/**
 * The path as it may be logged: segments that look like secrets or personal data replaced by
 * their placeholder, everything else (ids, names) kept for debugging. One scan of the path, no
 * allocation for the usual path: only a segment that could be sensitive (7+ characters with an
 * `@`, a digit, punctuation or `%`, or 20+ characters of anything) is classified.
 */
export function maskPath(path: string): string {
  let out: string | undefined;
  let copied = 0;
  let start = 0;
  let suspicious = false;
  for (let i = 0; i <= path.length; i++) {
    const c = i === path.length ? 47 : path.charCodeAt(i);
    if (c !== 47 /* / */) {
      // Letters only: a word, unless long enough to be random; anything else could be data.
      if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) suspicious = true;
      continue;
    }
    const length = i - start;
    if (length >= 7 && (suspicious || length >= 20)) {
      const placeholder = sensitiveSegment(decodeSegment(path.slice(start, i)));
      if (placeholder !== undefined) {
        out = (out ?? '') + path.slice(copied, start) + placeholder;
        copied = i;
      }
    }
    start = i + 1;
    suspicious = false;
  }
  return out === undefined ? path : out + path.slice(copied);
}

/** A percent-decoded segment; a malformed escape is judged as written. */
export function decodeSegment(raw: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
