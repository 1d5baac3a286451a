import type { Charset } from '../config/types.js';

type QueryValues = Record<string, string | string[]>;

/**
 * The parsed query's constructor: its instances have nothing on their prototype chain, like
 * Object.create(null), but V8 keeps them in fast mode. An Object.create(null) object is a
 * dictionary, and adding each parameter to one missed the store's inline cache on every request
 * (seen with perf in the gateway's profile).
 */
const QueryParams = function QueryParams(this: QueryValues) {
  // Fields are added as parameters are parsed.
} as unknown as new () => QueryValues;
QueryParams.prototype = Object.create(null) as object;

/** Why a query string or form body was not parsed. */
export interface QueryFailure {
  /**
   * `malformed`: a `%` not followed by two hex digits; `charset`: well-formed percent-encoding
   * whose bytes are not text in the API's charset; `separator`: a `;`, which some parsers take
   * for a separator (Rack 2, Python before 3.9.2) and others for data.
   */
  readonly failure: 'malformed' | 'charset' | 'separator';
}

const MALFORMED: QueryFailure = Object.freeze({ failure: 'malformed' });
const CHARSET: QueryFailure = Object.freeze({ failure: 'charset' });
const SEPARATOR: QueryFailure = Object.freeze({ failure: 'separator' });

export function isQueryFailure(value: QueryValues | QueryFailure): value is QueryFailure {
  return !(value instanceof QueryParams);
}

/**
 * Parses a query string (or an `application/x-www-form-urlencoded` body) into name -> value, a
 * repeated name giving an array; `+` is a space. Percent-encoded bytes are decoded as text in
 * `charset`, the way the upstream does: `H%E9ctor` is `Héctor` in ISO-8859-1 and undecodable in
 * UTF-8, which is refused (`charset`) rather than guessed at, as is malformed encoding. Nothing is
 * inherited, so `__proto__=x` or `constructor=x` is plain data that validation then refuses,
 * never a prototype assignment or an inherited value.
 *
 * `text`: for UTF-8, the text itself; for the single-byte charsets, one char per byte (a
 * latin1-decoded body), so raw bytes and percent-encoded ones are decoded alike.
 */
export function parseQuery(text: string, charset: Charset = 'utf-8'): QueryValues | QueryFailure {
  const out = new QueryParams();
  if (text === '') return out;
  if (text.indexOf(';') !== -1) return SEPARATOR;
  const decode = charset === 'utf-8' ? decodeUtf8 : charset === 'iso-8859-1' ? decodeLatin1 : decodeWindows1252;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      const split = eq !== -1 && eq < end;
      const name = decode(text.slice(start, split ? eq : end));
      if (typeof name !== 'string') return name;
      const value = split ? decode(text.slice(eq + 1, end)) : '';
      if (typeof value !== 'string') return value;
      const existing = out[name];
      if (existing === undefined) out[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else out[name] = [existing, value];
    }
    start = end + 1;
  }
  return out;
}

function decodeUtf8(text: string): string | QueryFailure {
  const plain = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!plain.includes('%')) return plain;
  try {
    // Native and strict: refuses malformed triplets, and bytes that are not UTF-8 (overlong
    // forms and surrogates included).
    return decodeURIComponent(plain);
  } catch {
    return malformedTriplet(plain) ? MALFORMED : CHARSET;
  }
}

function malformedTriplet(text: string): boolean {
  for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 1)) {
    if (!isHex(text.charCodeAt(i + 1)) || !isHex(text.charCodeAt(i + 2))) return true;
  }
  return false;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** One char per byte: percent-encoded bytes become the char of that code. */
function bytesOf(text: string): string | QueryFailure {
  const plain = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!plain.includes('%')) return plain;
  let out = '';
  let from = 0;
  for (let i = plain.indexOf('%'); i !== -1; i = plain.indexOf('%', from)) {
    const hi = plain.charCodeAt(i + 1);
    const lo = plain.charCodeAt(i + 2);
    if (!isHex(hi) || !isHex(lo)) return MALFORMED;
    out += plain.slice(from, i) + String.fromCharCode(parseInt(plain.slice(i + 1, i + 3), 16));
    from = i + 3;
  }
  return out + plain.slice(from);
}

/** ISO-8859-1 maps every byte to the code point of the same number (0x80–0x9F: C1 controls). */
function decodeLatin1(text: string): string | QueryFailure {
  return bytesOf(text);
}

/**
 * windows-1252 differs from ISO-8859-1 in 0x80–0x9F (€, curly quotes, ...). Its five undefined
 * bytes are refused: WHATWG maps them to C1 controls, Python and Java refuse or replace them.
 */
const CP1252_HIGH = [
  0x20ac, -1, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, -1, 0x017d, -1,
  -1, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, -1, 0x017e, 0x0178,
];

function decodeWindows1252(text: string): string | QueryFailure {
  const bytes = bytesOf(text);
  if (typeof bytes !== 'string') return bytes;
  let out = '';
  let from = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    if (c < 0x80 || c > 0x9f) continue;
    const mapped = CP1252_HIGH[c - 0x80] as number;
    if (mapped === -1) return CHARSET;
    out += bytes.slice(from, i) + String.fromCharCode(mapped);
    from = i + 1;
  }
  return from === 0 ? bytes : out + bytes.slice(from);
}

/**
 * Decodes a form body's bytes for `parseQuery`: UTF-8 must be valid (refused, never replaced);
 * the single-byte charsets take every byte as one char and decode it with the percent-encoded ones.
 */
export function formText(raw: Buffer, charset: Charset): string | QueryFailure {
  if (charset !== 'utf-8') return raw.toString('latin1');
  try {
    return UTF8.decode(raw);
  } catch {
    return CHARSET;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
