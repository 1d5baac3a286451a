import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) are meaningful for one connection only and must not be
 * forwarded; `proxy-*` credentials are for this hop too.
 */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authorization', 'proxy-authenticate', 'host', 'http2-settings',
]);

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

export interface ForwardedFor {
  readonly clientIp: string;
  readonly proto: 'http' | 'https';
  readonly host: string | undefined;
  readonly requestId: string;
}

/**
 * The headers sent upstream: the client's, less hop-by-hop ones and those a policy strips
 * (`drop`, lower-case), plus `X-Forwarded-*` set by the gateway. Client-sent `X-Forwarded-*`
 * are replaced, never appended to: by default no proxy in front of us is trusted.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  forwarded: ForwardedFor,
  drop: ReadonlySet<string> | undefined,
): Record<string, string | string[]> {
  const extra = connectionTokens(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name) || name.startsWith('x-forwarded-') || name === 'forwarded') continue;
    if (extra?.has(name) === true || drop?.has(name) === true) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  out['x-forwarded-for'] = forwarded.clientIp;
  out['x-forwarded-proto'] = forwarded.proto;
  if (forwarded.host !== undefined) out['x-forwarded-host'] = forwarded.host;
  out['x-request-id'] = forwarded.requestId;
  return out;
}

/** The upstream's response headers as they may go to the client. */
export function downstreamResponseHeaders(incoming: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const extra = connectionTokens(incoming.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name) || BANNERS.has(name) || extra?.has(name) === true) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Parses a Cookie header into name -> value (first occurrence wins, RFC 6265 §5.4). */
export function parseCookies(header: string | undefined): Record<string, string> {
  // Null prototype: a cookie named __proto__ must be data, not a prototype assignment.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (header === undefined || header === '') return out;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (name === '' || name in out) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out[name] = safeDecode(value);
  }
  return out;
}

export function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
