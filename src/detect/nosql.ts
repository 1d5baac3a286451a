/**
 * NoSQL operator injection (MongoDB and look-alikes): a client-controlled object or query key that is a
 * query operator ({"password": {"$ne": null}}, password[$ne]=x) turns an equality test into a condition the
 * attacker chooses; $where / $function run JavaScript on the server. JSON Schema keywords ($ref, $id, $schema)
 * are not operators and pass.
 */
import { RULES } from './rules.js';
import { finding, tok, type Finding } from './types.js';
import { work } from './work.js';

export const OPERATORS: ReadonlySet<string> = new Set([
  '$where', '$ne', '$gt', '$gte', '$lt', '$lte', '$eq', '$in', '$nin', '$regex', '$exists', '$expr', '$or', '$and',
  '$nor', '$not', '$elemmatch', '$function', '$accumulator', '$type', '$mod', '$all', '$size', '$text', '$search',
  '$jsonschema', '$lookup', '$options', '$comment', '$slice', '$nearsphere', '$geowithin', '$set', '$unset', '$rename',
  '$push', '$inc', '$merge', '$out', '$group', '$match', '$project',
]);

export function isOperatorKey(key: string): boolean {
  return key.charCodeAt(0) === 36 && OPERATORS.has(key.toLowerCase());
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * A string carrying an operator in a form some layer will turn into an object: `user[$ne]=`, `{"$gt": ""}`,
 * `$where: ...`, or JavaScript for a $where clause that breaks out of a string (`' || '1'=='1`, `'; return true`).
 */
export function detectNosqlString(value: string): Finding | undefined {
  const s = value;
  work.units += 2 * s.length;
  for (let i = s.indexOf('$'); i >= 0; i = s.indexOf('$', i + 1)) {
    const p = i === 0 ? 32 : s.charCodeAt(i - 1);
    if (!(p === 91 || p === 123 || p === 34 || p === 39 || p === 44 || p <= 32 || p === 46)) continue;
    let j = i + 1;
    while (j < s.length && j - i < 16 && isNameChar(s.charCodeAt(j))) j++;
    if (j === i + 1) continue;
    const q = s.charCodeAt(j);
    if (!(q === 93 || q === 34 || q === 39 || q === 58 || (j >= s.length && i > 0 && p === 91))) continue;
    if (OPERATORS.has(s.slice(i, j).toLowerCase())) return finding(RULES.nosqlOperator, Math.max(0, i - 8), j + 1, [tok(s, i, j)]);
  }
  // $where JavaScript: quote, then || / && / ; return
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 39 && c !== 34) continue;
    let j = i + 1;
    while (s.charCodeAt(j) === 32) j++;
    const a = s.charCodeAt(j), b = s.charCodeAt(j + 1);
    if ((a === 124 && b === 124) || (a === 38 && b === 38)) {
      const rest = s.slice(j + 2, j + 40);
      if (rest.includes('==') || /^\s*(?:true|1|this\.|sleep\()/i.test(rest)) return finding(RULES.nosqlWhereJs, i, j + 40, [tok(s, i, i + 1), tok(s, j, j + 2), tok(s, j + 2, j + 18).trim()]);
    }
    if (a === 59 && /^\s*(?:return\b|sleep\(|while\s*\()/i.test(s.slice(j + 1, j + 16))) return finding(RULES.nosqlWhereJs, i, j + 24, [tok(s, i, i + 1), ';', tok(s, j + 1, j + 12).trim()]);
  }
  return undefined;
}
