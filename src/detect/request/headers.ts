/**
 * Which headers carry application input and how each is read. Applications log and parse User-Agent,
 * Referer, Origin, X-Forwarded-* and their own X- headers, so those are judged; cookies are split into their
 * pairs, a Referer's query into its parameters, forwarding lists into their hops. Headers whose grammar is
 * protocol syntax (media ranges, encodings, dates, validators) are judged only for the lookups that exploits
 * sprayed into every header (${jndi:...}, %{...} OGNL): free-text detectors there would only raise noise.
 * Credentials are never judged (the identity policies read them; they must not reach a log either).
 */
import type { Category, DetectContext, Detection } from '../types.js';
import { detectValue } from '../value.js';
import { judgeParams } from './params.js';

const PROTOCOL = new Set([
  'host', 'content-length', 'content-type', 'accept', 'accept-encoding', 'accept-language', 'accept-charset', 'connection',
  'keep-alive', 'te', 'transfer-encoding', 'trailer', 'upgrade', 'cache-control', 'pragma', 'if-match', 'if-none-match',
  'if-modified-since', 'if-unmodified-since', 'if-range', 'range', 'expect', 'date', 'dnt', 'priority', 'upgrade-insecure-requests',
  'content-encoding', 'content-md5', 'max-forwards', 'x-request-id', 'traceparent', 'tracestate', 'baggage', 'content-range',
]);
const CREDENTIALS = new Set(['authorization', 'proxy-authorization', 'x-api-key']);

/** Headers whose values are protocol syntax (or credentials): not free text. */
export function isProtocolHeader(lower: string): boolean {
  return PROTOCOL.has(lower) || CREDENTIALS.has(lower) || lower.startsWith('sec-');
}

/** Lookups and expression languages exploits put in any header (Log4Shell, Struts' Content-Type OGNL). */
const SPRAYED: ReadonlySet<Category> = new Set(['jndi', 'ssti', 'code']);
/** Headers name URLs the client chose, which the server does not fetch: no SSRF judgement there. */
const FREE_TEXT: ReadonlySet<Category> = new Set(['sqli', 'nosqli', 'cmdi', 'path-traversal', 'xss', 'prototype-pollution', 'ssti', 'jndi', 'code']);

function restrict(context: DetectContext | undefined, allowed: ReadonlySet<Category>): DetectContext {
  const cats = context?.categories;
  return { ...context, categories: cats === undefined ? allowed : new Set([...cats].filter((c) => allowed.has(c))) };
}

/** Judges one header value by how applications read that header; pushes detections with their location. */
export function detectHeader(lower: string, value: string, context: DetectContext | undefined, out: Detection[]): void {
  if (CREDENTIALS.has(lower)) return;
  const location = `header.${lower}`;
  if (PROTOCOL.has(lower) || lower.startsWith('sec-')) {
    if (value.indexOf('{') < 0) return;
    const d = detectValue(value, restrict(context, SPRAYED));
    if (d) out.push({ ...d, location });
    return;
  }
  const ctx: DetectContext = { ...restrict(context, FREE_TEXT), encodedNewlines: true };
  if (lower === 'cookie') {
    judgeParams(value, 'cookie', ctx, out, ';');
    return;
  }
  if (lower === 'x-forwarded-for' || lower === 'x-real-ip' || lower === 'forwarded' || lower === 'via' || lower === 'true-client-ip') {
    for (const hop of value.split(',')) {
      const v = hop.trim();
      if (v.length === 0) continue;
      const d = detectValue(v, ctx);
      if (d) { out.push({ ...d, location }); return; }
    }
    return;
  }
  const d = detectValue(value, ctx);
  if (d) { out.push({ ...d, location }); return; }
  if (lower === 'referer' || lower === 'origin' || lower === 'location') {
    // The page the client came from: its query parameters are values the application may parse again.
    const q = value.indexOf('?');
    if (q >= 0) {
      const before = out.length;
      judgeParams(value.slice(q + 1), location, ctx, out);
      if (out.length > before) out.splice(before + 1);
    }
  }
}
