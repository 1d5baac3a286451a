/**
 * Judges a whole raw request the way the gateway sees it: path segments, query parameters (keys too:
 * `user[$ne]=1`, `__proto__[x]=1`), header values and the body (JSON walked, form fields split, other text
 * judged as one value). Used by `gatehouse detect` to test payloads offline.
 */
import { percentDecode } from './decode.js';
import { isOperatorKey } from './nosql.js';
import { detectObject } from './object.js';
import { detectPrototypeString } from './prototype.js';
import type { Category, DetectContext, Detection } from './types.js';
import { detectValue } from './value.js';

export interface RawRequest {
  method?: string;
  uri: string;
  headers?: Record<string, string | readonly string[] | undefined>;
  /** A string as sent, or an already parsed JSON value. */
  body?: unknown;
}

/** Headers that carry protocol data, not application input: judging them only produces noise. */
const SKIP_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'accept', 'accept-encoding', 'accept-language', 'connection',
  'authorization', 'cache-control', 'pragma', 'if-none-match', 'if-modified-since', 'upgrade-insecure-requests',
  'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user', 'sec-ch-ua', 'sec-ch-ua-mobile',
  'sec-ch-ua-platform', 'te', 'transfer-encoding', 'date', 'dnt',
]);

/** Headers name URLs the client chose, which the server does not fetch: no SSRF judgement there. */
const HEADER_CATEGORIES: ReadonlySet<Category> = new Set(['sqli', 'nosqli', 'cmdi', 'path-traversal', 'xss', 'prototype-pollution']);

function formDecode(s: string): string {
  return percentDecode(s.replace(/\+/g, ' '));
}

function judgeParams(text: string, where: string, out: Detection[]): void {
  for (const pair of text.split('&')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const key = formDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : formDecode(pair.slice(eq + 1));
    const location = `${where}.${key}`;
    const proto = detectPrototypeString(key);
    if (proto !== undefined) { out.push({ category: 'prototype-pollution', fragment: proto, location }); continue; }
    const op = /\[(\$[A-Za-z]+)\]/.exec(key);
    if (op?.[1] && isOperatorKey(op[1])) { out.push({ category: 'nosqli', fragment: key.slice(0, 64), location }); continue; }
    const dk = detectValue(key);
    if (dk) { out.push({ ...dk, location }); continue; }
    const dv = detectValue(value);
    if (dv) out.push({ ...dv, location });
  }
}

function headerValues(v: string | readonly string[] | undefined): readonly string[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

/** Every value of the request that a detector refuses, each with its location. Empty for a clean request. */
export function detectRequest(req: RawRequest, context?: DetectContext): Detection[] {
  const out: Detection[] = [];
  const uri = req.uri;
  const q = uri.indexOf('?');
  const hashAt = uri.indexOf('#');
  const pathPart = uri.slice(0, q >= 0 ? q : hashAt >= 0 ? hashAt : uri.length);
  const query = q >= 0 ? uri.slice(q + 1, hashAt > q ? hashAt : uri.length) : '';
  const segments = pathPart.split('/');
  // The path as a whole: "/files/..%2f..%2fetc/passwd" only shows its traversal across segments.
  const wholePath = detectValue(percentDecode(pathPart), { ...context, kind: 'path' });
  if (wholePath && wholePath.category === 'path-traversal') out.push({ ...wholePath, location: 'path' });
  else {
    for (let i = 0; i < segments.length; i++) {
      const seg = percentDecode(segments[i] as string);
      if (seg.length === 0) continue;
      const d = detectValue(seg, { ...context, kind: 'path' });
      if (d) { out.push({ ...d, location: `path[${i}]` }); break; }
    }
  }
  if (query) judgeParams(query, 'query', out);
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const lower = name.toLowerCase();
    if (SKIP_HEADERS.has(lower)) continue;
    for (const v of headerValues(value)) {
      if (lower === 'cookie') { judgeParams(v.replace(/;\s*/g, '&'), 'cookie', out); continue; }
      const d = detectValue(v, { ...context, categories: context?.categories ?? HEADER_CATEGORIES });
      if (d) out.push({ ...d, location: `header.${lower}` });
    }
  }
  judgeBody(req, context, out);
  return out;
}

function contentType(req: RawRequest): string {
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (name.toLowerCase() === 'content-type') return (headerValues(value)[0] ?? '').toLowerCase();
  }
  return '';
}

function judgeBody(req: RawRequest, context: DetectContext | undefined, out: Detection[]): void {
  const body = req.body;
  if (body === undefined || body === null || body === '') return;
  if (typeof body !== 'string') {
    const d = detectObject(body, context);
    if (d) out.push(d);
    return;
  }
  const type = contentType(req);
  const trimmed = body.trimStart();
  if (type.includes('json') || ((type === '') && (trimmed.startsWith('{') || trimmed.startsWith('[')))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) {
      const d = detectObject(parsed, context);
      if (d) out.push(d);
      return;
    }
  }
  if (type.includes('x-www-form-urlencoded')) { judgeParams(body, 'body', out); return; }
  const d = detectValue(body, context);
  if (d) out.push({ ...d, location: 'body' });
}
