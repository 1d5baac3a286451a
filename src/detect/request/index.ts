/**
 * Judges a whole raw request the way an application reads it: path segments (and restricted files named by the
 * path), query parameters (keys too: `user[$ne]=1`, `__proto__[x]=1`), cookies, the headers applications read
 * (User-Agent, Referer, Origin, X-Forwarded-*, custom ones), and the body whatever it claims to be — JSON,
 * forms (with or without a content type), multipart parts and file names, XML attribute and text values, plain
 * text. Used by `gatehouse detect` and, for undeclared values, by the injection policy's `scan: all`.
 */
import { percentDecode } from '../decode.js';
import { restrictedPath } from '../path-traversal.js';
import type { DetectContext, Detection } from '../types.js';
import { detectValue, toDetection } from '../value.js';
import { detectBody } from './body.js';
import { detectHeader } from './headers.js';
import { judgePair, judgeParams } from './params.js';

export { detectBody } from './body.js';
export { detectHeader, isProtocolHeader } from './headers.js';
export { parseRawHttp } from './raw.js';

export interface RawRequest {
  method?: string;
  uri: string;
  headers?: Record<string, string | readonly string[] | undefined>;
  /** A string as sent, or an already parsed JSON value. */
  body?: unknown;
}

function headerValues(v: string | readonly string[] | undefined): readonly string[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

/** Every value of the request that a detector refuses, each with its location. Empty for a clean request. */
export function detectRequest(req: RawRequest, context?: DetectContext): Detection[] {
  const out: Detection[] = [];
  let uri = req.uri;
  // Absolute form (a proxy request): the path starts after the authority.
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(uri);
  if (abs) uri = uri.slice(abs[0].length) || '/';
  const q = uri.indexOf('?');
  // A request target carries no fragment: a '#' that arrives is data, and stays in the query.
  const pathPart = q >= 0 ? uri.slice(0, q) : uri;
  const query = q >= 0 ? uri.slice(q + 1) : '';
  judgePath(pathPart, context, out);
  if (query) judgeParams(query, 'query', context, out);
  let contentType = '';
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const lower = name.toLowerCase();
    for (const v of headerValues(value)) {
      if (lower === 'content-type' && contentType === '') contentType = v; // the boundary parameter is case-sensitive
      detectHeader(lower, v, context, out);
    }
  }
  const body = req.body;
  if (body === undefined || body === null || body === '') return out;
  detectBody(body, contentType, context, out);
  return out;
}

/** A request path (as sent, percent-encoded): traversal across segments, restricted files, each segment. */
export function detectPath(pathPart: string, context?: DetectContext): Detection | undefined {
  const out: Detection[] = [];
  judgePath(pathPart, context, out);
  return out[0];
}

/** One k=v parameter (query, form field, cookie) already decoded by the server: key shapes, then key and value. */
export function detectParameter(key: string, value: string, location: string, context?: DetectContext): Detection | undefined {
  const out: Detection[] = [];
  judgePair(key, value, location, { ...context, encodedNewlines: true }, out);
  return out[0];
}

function judgePath(pathPart: string, context: DetectContext | undefined, out: Detection[]): void {
  const decoded = percentDecode(pathPart);
  const pathCtx: DetectContext = { ...context, kind: 'path', encodedNewlines: true };
  // The path as a whole: "/files/..%2f..%2fetc/passwd" only shows its traversal across segments.
  const whole = detectValue(decoded, pathCtx);
  if (whole && whole.category === 'path-traversal') { out.push({ ...whole, location: 'path' }); return; }
  if (context?.categories === undefined || context.categories.has('path-traversal')) {
    const r = restrictedPath(decoded);
    if (r !== undefined) { out.push({ ...toDetection(r, decoded), location: 'path' }); return; }
  }
  const segments = pathPart.split('/');
  for (let i = 0; i < segments.length; i++) {
    const seg = percentDecode(segments[i] as string);
    if (seg.length === 0) continue;
    const d = detectValue(seg, pathCtx);
    if (d) { out.push({ ...d, location: `path[${i}]` }); return; }
  }
}
