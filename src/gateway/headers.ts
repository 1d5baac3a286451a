import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) are meaningful for one connection only and must not be
 * forwarded; `proxy-*` credentials are for this hop too.
 */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authorization', 'proxy-authenticate', 'host', 'http2-settings',
  // HTTP/2 pseudo-headers: the request line of this hop (http2.ts has checked :authority against Host).
  ':method', ':path', ':scheme', ':authority', ':protocol',
  // The gateway meets `Expect: 100-continue` itself (Node answers 100 before the body is read)
  // and sends the upstream a whole body; forwarded, the expectation made undici refuse the
  // request and the client got a 502 for a legitimate header (found by npm run campaign).
  'expect',
]);

/**
 * Headers that carry the client's address or the request's id: the gateway sets X-Forwarded-*
 * and X-Request-Id itself, and the others are what frameworks fall back on for the client
 * address (Rack, Django middleware, Spring's ForwardedHeaderFilter, CDN conventions). A client
 * that sends its own would choose the address the upstream logs, rate-limits and allow-lists.
 */
const CLIENT_ADDRESS = new Set([
  'forwarded', 'x-request-id', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'x-cluster-client-ip',
  'cf-connecting-ip', 'fastly-client-ip', 'x-original-forwarded-for',
]);

/** Whether a client header is one of those the gateway owns, in any spelling: CGI-style upstreams read `_` as `-`. */
function gatewayOwned(name: string): boolean {
  const key = name.indexOf('_') === -1 ? name : name.replaceAll('_', '-');
  return key.startsWith('x-forwarded-') || CLIENT_ADDRESS.has(key);
}

/** Response headers that reveal the upstream's software (banner grabbing) are never forwarded. */
const BANNERS = new Set(['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'x-runtime', 'x-generator']);

/** Extra names listed in `Connection: a, b` are hop-by-hop for this message too. */
function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!text.includes(',') && (text === 'keep-alive' || text === 'close')) return undefined;
  const names = new Set<string>();
  for (const part of text.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return names;
}

/**
 * What of the client's request the upstream never receives, compiled once per route
 * (policies/identity-forward/hidden.ts): the gateway's header namespace, consumed credentials.
 */
export interface UpstreamFilter {
  /** Header-name prefixes, lower-case with `-` (`x-gatehouse-`). */
  readonly prefixes: readonly string[];
  /** Header names, lower-case with `-` for `_`. */
  readonly names: ReadonlySet<string>;
  /** Query parameter names taken out of the forwarded query string. */
  readonly query: readonly string[];
  /** Cookie names taken out of the Cookie header. */
  readonly cookies: readonly string[];
  /** 1 at the char code of the first letter of every name and prefix: most headers are passed on one array read. */
  readonly initials: Uint8Array;
}

/** The `initials` table of a filter's names and prefixes (all lower-case ASCII header names). */
export function initialsOf(names: Iterable<string>): Uint8Array {
  const table = new Uint8Array(128);
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 128) table[c] = 1;
  }
  return table;
}

/**
 * Whether a client header is withheld by `filter`. Node gives the name lower-case and joins
 * repeated fields under one name, so every case and every copy of a name is caught here; `_`
 * is read as `-`, as CGI-style upstreams read it.
 */
function filtered(name: string, filter: UpstreamFilter): boolean {
  // A name never starts with `_` or `-` here, so its first letter decides before any mapping.
  const first = name.charCodeAt(0);
  if (first < 128 && filter.initials[first] === 0) return false;
  const key = name.indexOf('_') === -1 ? name : name.replaceAll('_', '-');
  if (filter.names.has(key)) return true;
  const prefixes = filter.prefixes;
  for (let i = 0; i < prefixes.length; i++) if (key.startsWith(prefixes[i] as string)) return true;
  return false;
}

/**
 * The headers sent upstream, as the flat name/value list undici takes: the client's, less
 * hop-by-hop ones, those the route's `filter` withholds (the gateway's namespace, consumed
 * credentials) and those a policy sets (`add`, which replace the client's), plus
 * `X-Forwarded-*` set by the gateway. Client-sent `X-Forwarded-*` are replaced, never appended
 * to: by default no proxy in front of us is trusted.
 * `bodyLength`: the length of a body the gateway read and now sends itself (-1 when the client's
 * body streams through as it comes). `plainResponse`: a policy reads the response body, so the
 * client's Accept-Encoding is replaced by `identity` (sent beside it, both would reach the
 * upstream, which may well pick gzip from the pair). `forwarded`: X-Forwarded-* and X-Request-Id
 * are added (not towards a third party).
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  clientIp: string,
  secure: boolean,
  requestId: string,
  filter: UpstreamFilter,
  add: Readonly<Record<string, string>> | undefined,
  bodyLength: number,
  plainResponse: boolean,
  forwarded = true,
): string[] {
  const extra = connectionTokens(incoming.connection);
  const out: string[] = [];
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name) || gatewayOwned(name)) continue;
    if (extra?.has(name) === true || filtered(name, filter) || (add !== undefined && add[name] !== undefined)) continue;
    if (bodyLength !== -1 && name === 'content-length') continue;
    if (plainResponse && name === 'accept-encoding') continue;
    let value = incoming[name];
    if (value === undefined) continue;
    if (name === 'cookie' && filter.cookies.length > 0) {
      value = withoutCookies(value as string, filter.cookies);
      if (value === '') continue;
    }
    if (typeof value === 'string') out.push(name, value);
    else for (let i = 0; i < value.length; i++) out.push(name, value[i] as string);
  }
  if (add !== undefined) for (const name in add) out.push(name, add[name] as string);
  if (bodyLength !== -1) out.push('content-length', String(bodyLength));
  if (plainResponse) out.push('accept-encoding', 'identity');
  // To a third party (egress) the internal caller's address, host name and request id stay inside.
  if (!forwarded) return out;
  out.push('x-forwarded-for', clientIp, 'x-forwarded-proto', secure ? 'https' : 'http');
  const host = incoming.host;
  if (host !== undefined) out.push('x-forwarded-host', host);
  out.push('x-request-id', requestId);
  return out;
}

/**
 * A Cookie header without the named cookies, every other pair byte for byte as sent (the
 * separators between the remaining pairs are the client's). Names compare exactly, after
 * trimming, as parseCookies and the API-key reader read them.
 */
export function withoutCookies(header: string, names: readonly string[]): string {
  const pairs = header.split(';');
  const kept: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
    if (!names.includes(name)) kept.push(pair);
  }
  if (kept.length === pairs.length) return header;
  return kept.join(';').trim();
}

/**
 * A raw query string without the named parameters (every copy, whatever their encoding:
 * `api%5Fkey` is `api_key` to the gateway's parser, so to this too). Everything else stays
 * byte for byte: order, encoding, empty pairs, the other parameters' values.
 */
export function withoutQueryParams(raw: string, names: readonly string[]): string {
  if (raw === '' || names.length === 0) return raw;
  // Fast path: none of the names appears, and nothing is encoded that could spell one.
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1 && !names.some((n) => raw.includes(n))) return raw;
  const pieces = raw.split('&');
  const kept: string[] = [];
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    const name = queryName(eq === -1 ? piece : piece.slice(0, eq));
    if (name === undefined || !names.includes(name)) kept.push(piece);
  }
  return kept.length === pieces.length ? raw : kept.join('&');
}

/** A query parameter name decoded as the gateway's query parser decodes it; undefined when it cannot be. */
function queryName(raw: string): string | undefined {
  const plain = raw.indexOf('+') === -1 ? raw : raw.replaceAll('+', ' ');
  if (plain.indexOf('%') === -1) return plain;
  try {
    return decodeURIComponent(plain);
  } catch {
    return undefined;
  }
}

/** Response headers whose upstream value never reaches the client. */
const NEVER_FORWARDED = new Set([...HOP_BY_HOP, ...BANNERS]);
/** ...and those a buffered (re-sent) body replaces: its length is recomputed, its encoding gone. */
const NEVER_FORWARDED_BUFFERED = new Set([...NEVER_FORWARDED, 'content-length', 'content-encoding']);

/**
 * Response headers the gateway sets itself on every answer of an API (security headers, HSTS,
 * the request id): the upstream's copies are left out so the gateway's value is the only one.
 */
export function gatewayResponseHeaderNames(security: Readonly<Record<string, unknown>>, hsts: boolean): ReadonlySet<string> {
  return new Set([...Object.keys(security), ...(hsts ? ['strict-transport-security'] : []), 'x-request-id']);
}

/**
 * The upstream's response headers as they may go to the client, as the flat name/value list
 * `writeHead` takes. Leaves out hop-by-hop headers, software banners, the names the gateway sets
 * (`reserved`, `noStore`: cache-control, and the policy-set `extra`) and, for a body the gateway
 * re-sends, its length and encoding.
 */
export function downstreamResponseHeaders(
  incoming: Readonly<Record<string, string | string[] | undefined>>,
  buffered: boolean,
  reserved: ReadonlySet<string>,
  noStore: boolean,
  extra: Readonly<Record<string, string>> | undefined,
): unknown[] {
  const connection = connectionTokens(incoming.connection);
  const never = buffered ? NEVER_FORWARDED_BUFFERED : NEVER_FORWARDED;
  const out: unknown[] = [];
  for (const name in incoming) {
    if (never.has(name) || reserved.has(name) || connection?.has(name) === true) continue;
    if ((noStore && name === 'cache-control') || (extra !== undefined && extra[name] !== undefined)) continue;
    const value = incoming[name];
    if (value !== undefined) out.push(name, value);
  }
  return out;
}

/** Shared by every request without cookies (most API calls). */
const NO_COOKIES: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

/** Where parseCookies keeps the later copies of a repeated name (not enumerable: `for in` skips it). */
const REPEATED = Symbol('repeated cookies');

/**
 * Parses a Cookie header into name -> value (first occurrence wins, RFC 6265 §5.4). Browsers
 * send one name twice when cookies of two paths or domains match; servers then disagree on which
 * they read (Go and Java the first, Django and PHP the last), so the later copies are kept aside
 * for `repeatedCookies`: the contract refuses a repeated cookie it validates, the injection guard
 * scans every copy.
 */
export function parseCookies(header: string | undefined): Readonly<Record<string, string>> {
  if (header === undefined || header === '') return NO_COOKIES;
  // Null prototype: a cookie named __proto__ must be data, not a prototype assignment.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let repeated: Map<string, string[]> | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (name === '') continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name in out) {
      repeated ??= new Map();
      const later = repeated.get(name);
      if (later === undefined) repeated.set(name, [safeDecode(value)]);
      else later.push(safeDecode(value));
      continue;
    }
    out[name] = safeDecode(value);
  }
  if (repeated !== undefined) Object.defineProperty(out, REPEATED, { value: repeated, enumerable: false });
  return out;
}

/** The later copies of cookie names sent more than once (name -> values after the first), or undefined. */
export function repeatedCookies(cookies: Readonly<Record<string, string>>): ReadonlyMap<string, readonly string[]> | undefined {
  return (cookies as { [REPEATED]?: Map<string, string[]> })[REPEATED];
}

export function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
