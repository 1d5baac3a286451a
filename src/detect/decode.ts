/**
 * Normalisation before detection: attackers hide payloads behind encodings that the application (or a
 * browser, or a second decoding layer) will undo. We undo them first, a bounded number of rounds, so the
 * detectors judge what the back end will eventually see. Every pass is a single left-to-right scan
 * (linear time) and returns the input string itself when it had nothing to decode (no allocation).
 */
import { work } from './work.js';

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
  work.units += s.length;
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
    // Lead bytes up to the 5- and 6-byte forms of the original UTF-8 (RFC 2279), which old decoders still read.
    const need = b0 >= 0xfc && b0 <= 0xfd ? 5 : b0 >= 0xf8 ? 4 : b0 >= 0xf0 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc0 ? 1 : 0;
    let cp = b0 & (need === 0 ? 0xff : 0x7f >> (need + 1));
    let j = i + 3;
    let k = 0;
    for (; k < need; k++) {
      const b = byteAt(s, j);
      // After C0/C1 (leads that only ever start an overlong form) lenient decoders take any byte's low six
      // bits: %c0%2e is '.', %c1%1c is '\' on the servers that were exploited through it.
      if (b < 0 || ((b < 0x80 || b > 0xbf) && !(need === 1 && b0 <= 0xc1))) break;
      cp = (cp << 6) | (b & 0x3f);
      j += 3;
    }
    if (k === need && cp <= 0x10ffff) { out += String.fromCodePoint(cp); i = j; } else { out += String.fromCharCode(b0); i += 3; }
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
  work.units += s.length;
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
  work.units += s.length;
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
      if ((a | b) >= 0) {
        // A run of \xHH bytes that forms UTF-8 ("\xE2\x80\xA8") is one character, as a byte string decoder reads it.
        const b0 = (a << 4) | b;
        const need = b0 >= 0xf0 && b0 <= 0xf7 ? 3 : b0 >= 0xe0 && b0 <= 0xef ? 2 : b0 >= 0xc2 && b0 <= 0xdf ? 1 : 0;
        let cp = need === 3 ? b0 & 0x07 : need === 2 ? b0 & 0x0f : need === 1 ? b0 & 0x1f : b0;
        let j = i + 4;
        let k = 0;
        for (; k < need; k++) {
          if (s.charCodeAt(j) !== 92 || s.charCodeAt(j + 1) !== 120) break;
          const h = hexAt(s, j + 2), l = hexAt(s, j + 3);
          if ((h | l) < 0) break;
          const bk = (h << 4) | l;
          if (bk < 0x80 || bk > 0xbf) break;
          cp = (cp << 6) | (bk & 0x3f);
          j += 4;
        }
        if (need > 0 && k === need) { out += String.fromCodePoint(cp); i = j; } else { out += String.fromCharCode(b0); i += 4; }
        changed = true;
        continue;
      }
    }
    out += '\\'; i++;
  }
  return changed ? out : s;
}

/**
 * Characters that back ends and "best fit" code-page conversions fold to ASCII punctuation: fullwidth forms
 * (U+FF01..U+FF5E, ．／＜), the division slash and set minus (U+2215, U+2216), the small and one-dot-leader
 * stops. Folding them is how "%uff0e%uff0e%u2215etc%u2215passwd" reaches the file system as "../etc/passwd".
 */
export function foldLookalikes(s: string): string {
  work.units += s.length;
  let i = 0;
  for (; i < s.length; i++) if (s.charCodeAt(i) >= 0x2000) break;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  let changed = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let r = -1;
    if (c >= 0xff01 && c <= 0xff5e) r = c - 0xfee0;
    else if (c === 0x2215 || c === 0x2044 || c === 0x29f8) r = 47;
    else if (c === 0x2216 || c === 0xfe68 || c === 0x29f5) r = 92;
    else if (c === 0x2024 || c === 0xfe52) r = 46;
    else if (c === 0x2039 || c === 0x2329 || c === 0x3008) r = 60;
    else if (c === 0x203a || c === 0x232a || c === 0x3009) r = 62;
    if (r >= 0) { out += String.fromCharCode(r); changed = true; } else out += s[i];
  }
  return changed ? out : s;
}

/** All decoders, repeated until nothing changes or MAX_ROUNDS is reached. */
export function normalise(value: string): string {
  let cur = value;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = foldLookalikes(escapeDecode(entityDecode(percentDecode(cur))));
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

const B64_RUN = /^[A-Za-z0-9+/_-]{16,}={0,2}/;

/**
 * Base64 that the value marks as such — a data: URL (`;base64,`) or a PowerShell -EncodedCommand (UTF-16LE) —
 * decoded once, so the detectors judge what will run. Undefined when there is no marked, printable payload.
 * Only one layer: the decoded text is shorter than the value, so judging it keeps the work linear.
 */
export function markedBase64(value: string): string | undefined {
  work.units += value.length;
  let at = value.indexOf('base64,');
  let utf16 = false;
  if (at >= 0) at += 7;
  else {
    const m = /(?:^|\s)-(?:e|ec|en|enc|enco|encodedcommand)\s+(?=[A-Za-z0-9+/]{16})/i.exec(value);
    if (m === null) return undefined;
    at = m.index + m[0].length;
    utf16 = true;
  }
  const run = B64_RUN.exec(value.slice(at, at + 65536));
  if (run === null) return undefined;
  const bytes = Buffer.from(run[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  const text = bytes.toString(utf16 ? 'utf16le' : 'latin1');
  // Printable text only: a base64 image is not a payload.
  let printable = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
  }
  return text.length > 0 && printable / text.length > 0.9 ? text : undefined;
}
