import { parse as parseQuerystring } from 'node:querystring';

/*
 * How different upstreams read the same bytes. Each reader models a family of real servers; the
 * differential suite checks that what the gateway validated is what every one of them reads from
 * the bytes the gateway forwarded. Written by hand where the behaviour modelled is not JavaScript's
 * (first-wins JSON, exact numbers, Rack's `;` separator, Latin-1 servlets).
 */

// ---------- JSON ----------

/** A number as an exact reader keeps it: its literal text (Python int, BigDecimal, json.Number). */
export class ExactNumber {
  constructor(readonly literal: string) {}
}

export interface JsonReader {
  readonly name: string;
  read(body: Buffer): unknown;
}

interface JsonOptions {
  /** Which of a repeated member name's values counts. */
  readonly duplicates: 'first' | 'last';
  /** `exact`: integers kept exactly (Python, Go int64, Java BigInteger); decimals too with `decimals`. */
  readonly integers: 'double' | 'exact';
  readonly decimals: 'double' | 'exact';
  /** `replace`: lone surrogates become U+FFFD (Rust, Go, most UTF-8 string types). */
  readonly surrogates: 'keep' | 'replace';
  /** How bytes become text: `strict` refuses bad UTF-8 and keeps a BOM; `lenient` replaces and strips (iconv, .NET). */
  readonly decoding: 'strict' | 'lenient';
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT_UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

function jsonReader(name: string, options: JsonOptions): JsonReader {
  return {
    name,
    read(body) {
      const text = options.decoding === 'strict' ? STRICT_UTF8.decode(body) : LENIENT_UTF8.decode(body);
      return new JsonParser(text, options).document();
    },
  };
}

export const JSON_READERS: readonly JsonReader[] = [
  // Node's JSON.parse behind body-parser (iconv strips a BOM), Go's encoding/json, Jackson's default.
  jsonReader('last-wins, doubles, lenient UTF-8', { duplicates: 'last', integers: 'double', decimals: 'double', surrogates: 'keep', decoding: 'lenient' }),
  // Streaming and hand-written parsers, many validators, json-c, some Java libraries.
  jsonReader('first-wins, strict UTF-8', { duplicates: 'first', integers: 'double', decimals: 'double', surrogates: 'keep', decoding: 'strict' }),
  // Python's json (exact int), Go's int64 / json.Number, Java BigInteger; strings made well-formed.
  jsonReader('last-wins, exact integers, well-formed strings', { duplicates: 'last', integers: 'exact', decimals: 'double', surrogates: 'replace', decoding: 'strict' }),
  // Decimal readers: Python parse_float=Decimal, Jackson USE_BIG_DECIMAL_FOR_FLOATS.
  jsonReader('first-wins, exact decimals', { duplicates: 'first', integers: 'exact', decimals: 'exact', surrogates: 'replace', decoding: 'strict' }),
];

class JsonParser {
  private i = 0;
  constructor(private readonly t: string, private readonly o: JsonOptions) {}

  document(): unknown {
    const value = this.value();
    this.ws();
    if (this.i !== this.t.length) throw new SyntaxError(`trailing text at ${this.i}`);
    return value;
  }

  private ws(): void {
    while (' \t\n\r'.includes(this.t[this.i] ?? 'x')) this.i++;
  }

  private value(): unknown {
    this.ws();
    const c = this.t[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.t.startsWith(word, this.i)) { this.i += word.length; return value; }
    }
    throw new SyntaxError(`unexpected ${c ?? 'end'} at ${this.i}`);
  }

  private object(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.ws();
    if (this.t[this.i] === '}') { this.i++; return out; }
    for (;;) {
      this.ws();
      const key = this.string();
      this.ws();
      this.expect(':');
      const value = this.value();
      if (!seen.has(key) || this.o.duplicates === 'last') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      seen.add(key);
      this.ws();
      if (this.t[this.i] === ',') { this.i++; continue; }
      this.expect('}');
      return out;
    }
  }

  private array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.t[this.i] === ']') { this.i++; return out; }
    for (;;) {
      out.push(this.value());
      this.ws();
      if (this.t[this.i] === ',') { this.i++; continue; }
      this.expect(']');
      return out;
    }
  }

  private string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.t[this.i++];
      if (c === undefined) throw new SyntaxError('unterminated string');
      if (c === '"') break;
      if (c !== '\\') { out += c; continue; }
      const e = this.t[this.i++];
      if (e === 'u') { out += String.fromCharCode(parseInt(this.t.slice(this.i, this.i + 4), 16)); this.i += 4; }
      else out += ({ '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e ?? ''] ?? '';
    }
    return this.o.surrogates === 'replace' ? wellFormed(out) : out;
  }

  private number(): unknown {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.t.slice(this.i));
    if (m === null) throw new SyntaxError(`bad number at ${this.i}`);
    this.i += m[0].length;
    const integer = m[2] === undefined && m[3] === undefined;
    if ((integer && this.o.integers === 'exact') || (!integer && this.o.decimals === 'exact')) return new ExactNumber(m[0]);
    return Number(m[0]);
  }

  private expect(c: string): void {
    if (this.t[this.i] !== c) throw new SyntaxError(`expected ${c} at ${this.i}`);
    this.i++;
  }
}

function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Whether a reader's value is the value the gateway validated. */
export function sameReading(validated: unknown, read: unknown): boolean {
  if (read instanceof ExactNumber) return typeof validated === 'number' && exactlyEqual(validated, read.literal);
  if (typeof read === 'number') return Object.is(validated, read);
  if (Array.isArray(read)) return Array.isArray(validated) && validated.length === read.length && read.every((r, i) => sameReading(validated[i], r));
  if (read !== null && typeof read === 'object') {
    if (validated === null || typeof validated !== 'object' || Array.isArray(validated)) return false;
    const keys = Object.keys(read);
    return keys.length === Object.keys(validated).length && keys.every((k) => Object.hasOwn(validated, k) && sameReading((validated as Record<string, unknown>)[k], (read as Record<string, unknown>)[k]));
  }
  return validated === read;
}

function exactlyEqual(n: number, literal: string): boolean {
  if (!Number.isFinite(n)) return false;
  if (/^-?\d+$/.test(literal)) return Number.isInteger(n) && !Object.is(n, -0) && BigInt(n) === BigInt(literal);
  return decimalKey(literal) === decimalKey(String(n));
}

function decimalKey(text: string): string {
  const negative = text.startsWith('-');
  const [mantissa = '', e = '0'] = text.replace(/^-/, '').toLowerCase().split('e');
  const [int = '', frac = ''] = mantissa.split('.');
  let digits = (int + frac).replace(/^0+/, '');
  let exp = Number(e) - frac.length;
  while (digits.endsWith('0')) { digits = digits.slice(0, -1); exp++; }
  return digits === '' ? '0' : `${negative ? '-' : ''}${digits}e${exp}`;
}

// ---------- query strings and form bodies ----------

export type Multimap = Map<string, string[]>;

export interface QueryReader {
  readonly name: string;
  read(text: string): Multimap;
}

function add(map: Multimap, name: string, value: string): Multimap {
  map.set(name, [...(map.get(name) ?? []), value]);
  return map;
}

function decodeOr(text: string): string {
  try { return decodeURIComponent(text); } catch { return text; }
}

/** Splits on `separators`, `+` is a space, percent-decoding by `decode`. */
function splitter(name: string, separators: RegExp, decode: (s: string) => string): QueryReader {
  return {
    name,
    read(text) {
      const map: Multimap = new Map();
      for (const pair of text.split(separators)) {
        if (pair === '') continue;
        const eq = pair.indexOf('=');
        const key = decode((eq === -1 ? pair : pair.slice(0, eq)).replaceAll('+', ' '));
        add(map, key, eq === -1 ? '' : decode(pair.slice(eq + 1).replaceAll('+', ' ')));
      }
      return map;
    },
  };
}

/** Percent-decoding to bytes read as ISO-8859-1 (a servlet container with its default encoding). */
function latin1(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export const UTF8_QUERY_READERS: readonly QueryReader[] = [
  // WHATWG URLSearchParams: `&` only, undecodable bytes become U+FFFD.
  { name: 'URLSearchParams', read: (text) => [...new URLSearchParams(text)].reduce((m, [k, v]) => add(m, k, v), new Map() as Multimap) },
  // node:querystring: falls back to unescape() (Latin-1) for bytes that are not UTF-8.
  {
    name: 'node:querystring',
    read: (text) => {
      const map: Multimap = new Map();
      for (const [k, v] of Object.entries(parseQuerystring(text))) map.set(k, Array.isArray(v) ? v : [v ?? '']);
      return map;
    },
  },
  // Rack 2, Python before 3.9.2: `;` separates pairs too.
  splitter('Rack 2 (& and ;)', /[&;]/, decodeOr),
];

export const LATIN1_QUERY_READERS: readonly QueryReader[] = [
  splitter('servlet, ISO-8859-1', /&/, latin1),
  splitter('Rack 2, ISO-8859-1', /[&;]/, latin1),
];

/** The gateway's parsed query or form fields as a multimap. */
export function multimapOf(values: unknown): Multimap {
  const map: Multimap = new Map();
  if (values === null || typeof values !== 'object') return map;
  for (const key of Object.keys(values)) {
    const v = (values as Record<string, unknown>)[key];
    map.set(key, Array.isArray(v) ? v.map(String) : [String(v)]);
  }
  return map;
}

export function sameMultimap(a: Multimap, b: Multimap): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || w.length !== v.length || w.some((x, i) => x !== v[i])) return false;
  }
  return true;
}

// ---------- paths ----------

export interface PathReader {
  readonly name: string;
  /** The decoded segments the upstream routes on, from the request target it received. */
  read(target: string): string[];
}

function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** RFC 3986 §5.2.4 remove_dot_segments, on split segments. */
function resolveDots(segments: string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '.') continue;
    if (s === '..') { if (out.length > 1) out.pop(); continue; }
    out.push(s);
  }
  return out;
}

export const PATH_READERS: readonly PathReader[] = [
  // WHATWG URL, as a service doing `new URL(req.url, base)` reads it: `//api/x` names the host `api`.
  {
    name: 'new URL(target, base)',
    read: (target) => {
      const url = new URL(target, 'http://upstream.invalid');
      if (url.host !== 'upstream.invalid') return [`(host ${url.host})`, ...url.pathname.split('/')];
      return url.pathname.split('/').map(decodeOr);
    },
  },
  // Go's r.URL.Path, NGINX location matching: decoded before splitting, so %2F separates.
  { name: 'decode, then split', read: (target) => resolveDots(decodeOr(pathOf(target)).split('/')) },
  // Express and most routers: split, then decode each segment.
  { name: 'split, then decode', read: (target) => pathOf(target).split('/').map(decodeOr) },
  // Servlet containers (Tomcat, Spring): `;params` stripped from each segment, dot-segments resolved.
  { name: 'servlet', read: (target) => resolveDots(pathOf(target).split('/').map((s) => decodeOr(s.replace(/;.*$/, '')))) },
];
