/**
 * A request body judged as what it is, not only as what it claims to be: servers parse a form body that
 * came without a content type, and a multipart body whose boundary they can read from its first line. JSON is
 * walked (keys included), forms and multipart parts are split into fields (a part's file name too: an upload
 * named ../../shell.php), XML is read into its attribute and text values, anything else is judged as text.
 */
import { detectObject } from '../object.js';
import type { DetectContext, Detection } from '../types.js';
import { detectValue } from '../value.js';
import { boundaryOf, parts } from './multipart.js';
import { judgeParams, judgePair } from './params.js';
import { xmlValues } from './xml.js';

/** A whole body of k=v pairs: no blanks or line breaks outside the encoding, at least one '='. */
const FORM = /^[^\s=&]+=[^\s&]*(?:&[^\s=&]*=?[^\s&]*)*$/;

/** Media types whose content is text a detector can read (a part without one is text too). */
function textual(type: string): boolean {
  return type === '' || type.startsWith('text/') || type.includes('json') || type.includes('xml') || type.includes('x-www-form-urlencoded') ||
    type.includes('javascript') || type === 'application/octet-stream';
}

/**
 * Judges a body given as sent (string or bytes) or already parsed (JSON value). `contentType` is the
 * request's header as sent (its boundary parameter is case-sensitive), possibly empty. Pushes at most one detection per value; returns how many it pushed.
 */
export function detectBody(body: unknown, contentType: string, context: DetectContext | undefined, out: Detection[], where = 'body'): number {
  const before = out.length;
  if (body === undefined || body === null) return 0;
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) {
    const d = detectObject(body, context, where);
    if (d) out.push(d);
    return out.length - before;
  }
  const text = typeof body === 'string' ? body : body.toString('latin1');
  if (text.length === 0) return 0;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const trimmed = text.trimStart();
  if (type.includes('json') || (type === '' && (trimmed.startsWith('{') || trimmed.startsWith('[')))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) {
      const d = detectObject(parsed, context, where);
      if (d) out.push(d);
      return out.length - before;
    }
  }
  if (type.startsWith('multipart/') || (type === '' && trimmed.startsWith('--'))) {
    const boundary = boundaryOf(contentType, text);
    if (boundary !== undefined) {
      for (const p of parts(text, boundary)) {
        const loc = `${where}.${p.name.slice(0, 64) || '(part)'}`;
        if (p.filename !== undefined && p.filename.length > 0) {
          const d = detectValue(p.filename, { ...context, kind: 'path' });
          if (d) { out.push({ ...d, location: `${loc}.filename` }); continue; }
        }
        if (!textual(p.contentType)) continue;
        if (p.contentType.includes('json') || p.contentType.includes('xml')) { detectBody(p.value, p.contentType, context, out, loc); continue; }
        judgePair(p.name, p.value, loc, context, out);
      }
      return out.length - before;
    }
  }
  if (type.includes('x-www-form-urlencoded')) { judgeParams(text, where, context, out); return out.length - before; }
  if (type.includes('xml') || (type === '' && /^<(?:\?xml|!DOCTYPE|[A-Za-z_][\w.-]*:?[\w.-]*[\s>/])/.test(trimmed) && isXmlish(trimmed))) {
    xmlValues(text, (value, location) => {
      const d = detectValue(value, context);
      if (d) { out.push({ ...d, location }); return true; }
      return false;
    }, where);
    if (out.length > before) return out.length - before;
    // The document as a whole, for markup that is itself the attack (a namespaced <x:script>, an event handler).
    const d = detectValue(text, { ...context, categories: new Set(['xss']) });
    if (d) out.push({ ...d, location: where });
    return out.length - before;
  }
  // Text of unknown kind: judged whole, and as form fields when it is shaped like a form.
  if (type === '' && FORM.test(text.length > 65536 ? text.slice(0, 65536) : text)) {
    judgeParams(text, where, context, out);
    if (out.length > before) return out.length - before;
  }
  const d = detectValue(text, context);
  if (d) out.push({ ...d, location: where });
  return out.length - before;
}

/** An XML document rather than an HTML fragment posted as text: it closes what it opens, or declares itself. */
function isXmlish(t: string): boolean {
  if (t.startsWith('<?xml') || t.startsWith('<!DOCTYPE')) return true;
  const m = /^<([A-Za-z_][\w.:-]*)/.exec(t);
  return m !== null && t.trimEnd().endsWith(`</${m[1]}>`) && !/^(?:script|img|svg|iframe|a|div|body|html|style)$/i.test(m[1] ?? '');
}
