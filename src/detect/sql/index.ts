import { fragmentOf } from '../types.js';
import { hit, judgeReading } from './judge.js';

/**
 * SQL injection: the value is judged in numeric context and, when it holds a quote, as the continuation of a
 * string closed by its first quote of each kind. Returns the matched fragment, or undefined.
 */
export function detectSqli(value: string): string | undefined {
  const union = hasUnion(value);
  if (judgeReading(value, 0, 0, union)) return cut(value);
  const sq = breakingQuote(value, 39);
  if (sq >= 0 && judgeReading(value, sq + 1, 39, union)) return cut(value, sq);
  const dq = breakingQuote(value, 34);
  if (dq >= 0 && judgeReading(value, dq + 1, 34, union)) return cut(value, dq);
  return undefined;
}

/** Whether the letters "union" occur in any case: lets a reading stop as soon as it is not SQL. */
function hasUnion(value: string): boolean {
  for (let i = value.indexOf('n') < 0 && value.indexOf('N') < 0 ? value.length : 0; i + 5 <= value.length; i++) {
    if ((value.charCodeAt(i) | 32) === 117 && (value.charCodeAt(i + 1) | 32) === 110 && (value.charCodeAt(i + 2) | 32) === 105 &&
      (value.charCodeAt(i + 3) | 32) === 111 && (value.charCodeAt(i + 4) | 32) === 110) return true;
  }
  return false;
}

/** The first quote that ends a string: a doubled quote ('') is an escaped quote inside the string. */
function breakingQuote(value: string, q: number): number {
  const ch = q === 39 ? "'" : '"';
  let i = value.indexOf(ch);
  while (i >= 0 && value.charCodeAt(i + 1) === q) i = value.indexOf(ch, i + 2);
  return i;
}

function cut(value: string, quote?: number): string {
  const start = Math.max(quote ?? hit.start, hit.end - 64);
  return fragmentOf(value, start, hit.end);
}
