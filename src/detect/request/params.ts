/**
 * `k=v&k=v` text (query strings, form bodies, cookies, a Referer's query): each key and value decoded as a
 * form decoder does and judged, keys for the shapes that only keys take (`user[$ne]`, `__proto__[x]`).
 */
import { percentDecode } from '../decode.js';
import { isOperatorKey } from '../nosql.js';
import { keyDetection } from '../object.js';
import { detectPrototypeString } from '../prototype.js';
import { RULES } from '../rules.js';
import type { DetectContext, Detection } from '../types.js';
import { detectValue, toDetection } from '../value.js';

const MAX_PARAMS = 10_000;

export function formDecode(s: string): string {
  return percentDecode(s.indexOf('+') < 0 ? s : s.replace(/\+/g, ' '));
}

/** Judges each key and value; pushes at most one detection per parameter. */
export function judgeParams(text: string, where: string, context: DetectContext | undefined, out: Detection[], separator = '&'): void {
  let count = 0;
  // Keys and values of k=v text can carry a line break only percent-encoded.
  const ctx: DetectContext = { ...context, encodedNewlines: true };
  for (const pair of text.split(separator)) {
    if (pair.length === 0 || ++count > MAX_PARAMS) continue;
    const eq = pair.indexOf('=');
    const rawKey = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    const key = formDecode(rawKey);
    const value = eq < 0 ? '' : formDecode(pair.slice(eq + 1));
    judgePair(key, value, `${where}.${key.slice(0, 64)}`, ctx, out);
  }
}

export function judgePair(key: string, value: string, location: string, context: DetectContext | undefined, out: Detection[]): void {
  const cats = context?.categories;
  if (cats === undefined || cats.has('prototype-pollution')) {
    const proto = detectPrototypeString(key);
    if (proto !== undefined) { out.push({ ...toDetection(proto, key), location }); return; }
  }
  if (cats === undefined || cats.has('nosqli')) {
    const op = /\[(\$[A-Za-z]+)\]/.exec(key);
    if (op?.[1] && isOperatorKey(op[1])) { out.push(keyDetection(RULES.nosqlOperator, key, location)); return; }
  }
  const dk = key.length > 0 ? detectValue(key, context) : undefined;
  if (dk) { out.push({ ...dk, location }); return; }
  const dv = value.length > 0 ? detectValue(value, context) : undefined;
  if (dv) out.push({ ...dv, location });
}
