/**
 * Normalisation before detection: attackers hide payloads behind encodings that the application (or a
 * browser, or a second decoding layer) will undo. We undo them first, a bounded number of rounds, so the
 * detectors judge what the back end will eventually see. Every pass is a single left-to-right scan
 * (linear time) and returns the input string itself when it had nothing to decode (no allocation).
 */

/** Double and triple encoding is common (%252e%252e%252f); deeper nesting is not, and the bound keeps work linear. */
const MAX_ROUNDS = 3;

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) { HEX[65 + i] = 10 + i; HEX[97 + i] = 10 + i; }

function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? (HEX[c] as number) : -1;
}

/** Named HTML entities an attacker uses to smuggle punctuation (the full HTML table is not needed for that). */
const ENTITIES = new Map<string, string>([
  ['lt', '<'], ['gt', '>'], ['amp', '&'], ['quot', '"'], ['apos', "'"], ['nbsp', ' '], ['tab', '\t'],
  ['newline', '\n'], ['colon', ':'], ['lpar', '('], ['rpar', ')'], ['sol', '/'], ['bsol', '\\'], ['semi', ';'],
  ['comma', ','], ['period', '.'], ['excl', '!'], ['num', '#'], ['dollar', '$'], ['percnt', '%'], ['plus', '+'],
  ['equals', '='], ['lsqb', '['], ['rsqb', ']'], ['lcub', '{'], ['rcub', '}'], ['grave', '`'], ['hat', '^'],
  ['lowbar', '_'], ['quest', '?'], ['commat', '@'], ['vert', '|'], ['ast', '*'],
]);

/**
 * Percent-decoding, lenient like the servers that were exploited through it: overlong UTF-8 forms
 * (%c0%af for '/', %c0%ae for '.') decode to the character they spell, %uXXXX (IIS) is accepted, a lone
 * byte that is not valid UTF-8 is read as Latin-1, and a '%' not followed by hex stays as it is.
 */
export function percentDecode(s: string): string {
  let i = s.indexOf('%');
  if (i < 0) return s;
  let out = s.slice(0, i);
  let changed = false;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 37) { out += s[i]; i++; continue; }
    if ((s.charCodeAt(i + 1) | 32) === 117 && i + 5 < n) { // %uXXXX
      const a = hexAt(s, i + 2), b = hexAt(s, i + 3), d = hexAt(s, i + 4), e = hexAt(s, i + 5);
      if ((a | b | d | e) >= 0) { out += String.fromCharCode((a << 12) | (b << 8) | (d << 4) | e); i += 6; changed = true; continue; }
    }
    const b0 = byteAt(s, i);
    if (b0 < 0) { out += '%'; i++; continue; }
    changed = true;
    const need = b0 >= 0xf0 && b0 <= 0xf7 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc0 ? 1 : 0;
    let cp = need === 3 ? b0 & 0x07 : need === 2 ? b0 & 0x0f : need === 1 ? b0 & 0x1f : b0;
    let j = i + 3;
    let k = 0;
    for (; k < need; k++) {
      const b = byteAt(s, j);
      if (b < 0x80 || b > 0xbf) break;
      cp = (cp << 6) | (b & 0x3f);
      j += 3;
    }
    if (k === need) { out += String.fromCodePoint(cp); i = j; } else { out += String.fromCharCode(b0); i += 3; }
  }
  return changed ? out : s;
}

function byteAt(s: string, i: number): number {
  if (s.charCodeAt(i) !== 37) return -1;
  const h = hexAt(s, i + 1), l = hexAt(s, i + 2);
  return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

/** HTML character references, with or without the final ';' (browsers accept `&#60` and `&lt`). */
export function entityDecode(s: string): string {
  let i = s.indexOf('&');
  if (i < 0) return s;
  let out = s.slice(0, i);
  let changed = false;
  const n = s.length;
  while (i < n) {
    const ch = s[i] as string;
    if (ch !== '&') { out += ch; i++; continue; }
    if (s.charCodeAt(i + 1) === 35) { // &#
      const hex = (s.charCodeAt(i + 2) | 32) === 120;
      let j = i + (hex ? 3 : 2);
      let cp = 0;
      let digits = 0;
      // Leading zeros are a known filter bypass (&#0000060); they add no value, so they do not count.
      for (; j < n && digits < 8; j++) {
        const d = hex ? hexAt(s, j) : s.charCodeAt(j) - 48;
        if (d < 0 || d > (hex ? 15 : 9)) break;
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0) digits++;
      }
      if (j > i + (hex ? 3 : 2) && cp <= 0x10ffff) {
        if (s.charCodeAt(j) === 59) j++;
        out += String.fromCodePoint(cp);
        i = j; changed = true;
        continue;
      }
    } else {
      let j = i + 1;
      while (j < n && j - i <= 8 && isAlpha(s.charCodeAt(j))) j++;
      if (j > i + 1) {
        const rep = ENTITIES.get(s.slice(i + 1, j).toLowerCase());
        if (rep !== undefined) {
          if (s.charCodeAt(j) === 59) j++;
          out += rep; i = j; changed = true;
          continue;
        }
      }
    }
    out += '&'; i++;
  }
  return changed ? out : s;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** JavaScript / JSON escapes a value may carry into a script or a query: \uXXXX, \u{X..}, \xXX. */
export function escapeDecode(s: string): string {
  let i = s.indexOf('\\');
  if (i < 0) return s;
  let out = s.slice(0, i);
  let changed = false;
  const n = s.length;
  while (i < n) {
    const ch = s[i] as string;
    if (ch !== '\\') { out += ch; i++; continue; }
    const t = s.charCodeAt(i + 1);
    if (t === 117 && s.charCodeAt(i + 2) === 123) { // \u{...}
      let j = i + 3, cp = 0;
      while (j < n && j < i + 10 && hexAt(s, j) >= 0) { cp = cp * 16 + hexAt(s, j); j++; }
      if (j > i + 3 && s.charCodeAt(j) === 125 && cp <= 0x10ffff) { out += String.fromCodePoint(cp); i = j + 1; changed = true; continue; }
    } else if (t === 117) {
      const a = hexAt(s, i + 2), b = hexAt(s, i + 3), d = hexAt(s, i + 4), e = hexAt(s, i + 5);
      if ((a | b | d | e) >= 0) { out += String.fromCharCode((a << 12) | (b << 8) | (d << 4) | e); i += 6; changed = true; continue; }
    } else if (t === 120) {
      const a = hexAt(s, i + 2), b = hexAt(s, i + 3);
      if ((a | b) >= 0) { out += String.fromCharCode((a << 4) | b); i += 4; changed = true; continue; }
    }
    out += '\\'; i++;
  }
  return changed ? out : s;
}

/** All decoders, repeated until nothing changes or MAX_ROUNDS is reached. */
export function normalise(value: string): string {
  let cur = value;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = escapeDecode(entityDecode(percentDecode(cur)));
    if (next === cur) break;
    cur = next;
  }
  return cur;
}
