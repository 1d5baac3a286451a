import { decodeSegment, sensitiveSegment, type SensitiveSegment } from '../observe/path-mask.js';

/**
 * Path-template inference for traffic no spec describes: `/users/8812/orders/77` becomes
 * `/users/{id}/orders/{id}`, so a thousand calls to one shadow endpoint show as one row. Each
 * segment is judged on its own shape; the rules favour keeping a segment static (a false
 * `{slug}` hides an endpoint name, a false static only costs an extra row).
 */
export type SegmentKind = 'static' | 'id' | 'uuid' | 'hash' | 'slug' | 'date' | SensitiveKind;
/** Segments that carry a secret or personal data (src/observe/path-mask.ts): never recorded as written. */
type SensitiveKind = 'email' | 'card' | 'phone' | 'pii' | 'ip' | 'token';

const SENSITIVE_KIND: Record<SensitiveSegment, SensitiveKind> = {
  '{email}': 'email', '{card}': 'card', '{phone}': 'phone', '{pii}': 'pii', '{ip}': 'ip', '{token}': 'token',
};

const NUMERIC = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]+$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TOKEN = /^[A-Za-z0-9_-]+$/;
const VERSION = /^v\d+(\.\d+)*$/i;

export function classifySegment(segment: string): SegmentKind {
  if (segment === '') return 'static';
  if (NUMERIC.test(segment)) return 'id';
  if (segment.length === 36 && UUID.test(segment)) return 'uuid';
  if (DATE.test(segment)) return 'date';
  if (VERSION.test(segment)) return 'static';
  // md5 / sha1 / sha256 / Mongo ObjectId: long runs of hex with at least one digit.
  if (segment.length >= 16 && HEX.test(segment) && /\d/.test(segment)) return 'hash';
  // Before the shapes below: an e-mail, a key such as sk_live_..., a phone number or a long random
  // token would otherwise stay static (a row per value, the value itself recorded) or be a slug.
  const sensitive = sensitiveSegment(segment);
  if (sensitive !== undefined) return SENSITIVE_KIND[sensitive];
  if (segment.length > 64) return 'hash';
  if (TOKEN.test(segment)) {
    const letters = /[A-Za-z]/.test(segment);
    const digits = /\d/.test(segment);
    // Opaque ids (base62/base64url keys like `aZ3kQ9xP2m`): long, mixed letters and digits, no separators.
    if (segment.length >= 16 && letters && digits && !/[-_]/.test(segment)) return 'hash';
    // Slugs are separator-joined words carrying a number (`my-post-2024`) or several words
    // (`how-to-reset-a-password`); two-word names such as `user-profile` stay static.
    const parts = segment.split(/[-_]/).filter((p) => p !== '');
    if (parts.length >= 2 && letters && digits) return 'slug';
    if (parts.length >= 4) return 'slug';
    // Short mixed tokens with more digits than letters (`a1b2c3d4`, `ord9182`) are ids.
    if (letters && digits && segment.length >= 6 && countDigits(segment) * 2 >= segment.length) return 'id';
  }
  return 'static';
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c >= 48 && c <= 57) n++; }
  return n;
}

const PLACEHOLDER: Record<Exclude<SegmentKind, 'static'>, string> = {
  id: '{id}', uuid: '{id}', hash: '{id}', date: '{date}', slug: '{slug}',
  email: '{email}', card: '{card}', phone: '{phone}', pii: '{pii}', ip: '{ip}', token: '{token}',
};
const PLACEHOLDER_NAME = /^\{(id|slug|date|email|card|phone|pii|ip|token)\}$/;

/** The template of a raw path: variable segments become `{id}`, `{slug}` or `{date}`. */
export function templatePath(path: string): string {
  const q = path.indexOf('?');
  const clean = q === -1 ? path : path.slice(0, q);
  const segments = clean.split('/');
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i] as string;
    // A malformed escape is judged as written: it is still a segment.
    const kind = classifySegment(decodeSegment(raw));
    segments[i] = kind === 'static' ? raw : PLACEHOLDER[kind];
  }
  return segments.join('/');
}

/** The variable values of a raw path (what an enumeration walks), in order. */
export function pathVariables(path: string): string[] {
  const out: string[] = [];
  for (const segment of path.split('/')) if (classifySegment(decodeSegment(segment)) !== 'static') out.push(segment);
  return out;
}

/**
 * Names for a template's placeholders, unique within the path as OpenAPI requires: taken from
 * the static segment before (`/users/{id}` -> `userId`), numbered when that is not enough.
 */
export function nameParameters(template: string): { path: string; names: string[] } {
  const segments = template.split('/');
  const names: string[] = [];
  const used = new Set<string>();
  for (let i = 0; i < segments.length; i++) {
    const m = PLACEHOLDER_NAME.exec(segments[i] as string);
    if (m === null) continue;
    const previous = i > 0 ? (segments[i - 1] as string) : '';
    let base = /^[A-Za-z][A-Za-z0-9_-]*$/.test(previous) ? singular(previous).replace(/[-_]+([a-z])/g, (_s, c: string) => c.toUpperCase()) + capital(m[1] as string) : (m[1] as string);
    if (used.has(base)) { let n = 2; while (used.has(`${base}${n}`)) n++; base = `${base}${n}`; }
    used.add(base);
    names.push(base);
    segments[i] = `{${base}}`;
  }
  return { path: segments.join('/'), names };
}

function singular(word: string): string {
  if (word.endsWith('ies')) return word.slice(0, -3) + 'y';
  if (word.endsWith('ses')) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
