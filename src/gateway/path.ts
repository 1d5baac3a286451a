import type { Denial } from '../errors/index.js';

/*
 * The request path is normalised once, before routing, and the normalised form is both what is
 * routed and what is forwarded; what cannot be normalised so that every server reads it alike is
 * refused. Per case (docs/policies.md, "Paths"):
 *
 * - percent-encoded unreserved characters (RFC 3986 §6.2.2.2) are decoded: `/us%65rs` is `/users`;
 *   the hex digits of the other escapes are upper-cased (§6.2.2.1): `%3a` is `%3A`;
 * - runs of slashes are merged (`//api/users/1` is `/api/users/1`), as NGINX does by default: a
 *   service that builds a URL from the path reads `//api/...` as the host `api`;
 * - dot-segments (`.`, `..`, raw, percent-encoded or double-encoded), backslashes and NUL are
 *   refused: `/a/../admin` must not match `/a/{x}` here and reach `/admin` upstream;
 * - encoded slashes (`%2F`) are refused: one server routes `/files/a%2Fb` as one segment, another
 *   decodes first and routes `/files/a/b` (Spring and Tomcat refuse them by default too);
 * - percent-encoded bytes that are not UTF-8, and malformed escapes, are refused with their codes.
 *
 * The trailing slash and letter case are settled after routing (handler.ts): the trailing slash
 * is set as the matched operation declares it, and a path that differs from a declared one only
 * in case is never passed through as unmatched traffic.
 */

const UNSAFE: Denial = { code: 'GH_REQUEST_MALFORMED', detail: 'dot-segments, backslashes and NUL are not allowed in the path' };
const ENCODED_SLASH: Denial = { code: 'GH_REQUEST_AMBIGUOUS', detail: 'an encoded slash (%2F) in the path is read as a separator by some servers and as data by others' };
const MALFORMED: Denial = { code: 'GH_REQUEST_ENCODING_MALFORMED', detail: 'the path has malformed percent-encoding (% must be followed by two hex digits)' };
const NOT_UTF8: Denial = { code: 'GH_REQUEST_CHARSET_INVALID', detail: 'the path has percent-encoded bytes that are not UTF-8' };

/** The normalised path, or why it is refused. Costs three searches on a plain path. */
export function normalizePath(path: string): string | Denial {
  const percent = path.indexOf('%');
  if (percent === -1 && path.indexOf('\\') === -1 && path.indexOf('//') === -1 && path.indexOf('/.') === -1) return path;
  if (path.indexOf('\\') !== -1) return UNSAFE;
  let p = path;
  if (percent !== -1) {
    const decoded = decodeEscapes(p);
    if (typeof decoded !== 'string') return decoded;
    p = decoded;
  }
  if (p.indexOf('//') !== -1) p = p.replace(/\/{2,}/g, '/');
  return hasDotSegment(p) ? UNSAFE : p;
}

/**
 * Decodes escaped unreserved characters, upper-cases the hex of the others, and refuses what
 * must not be in a path. One pass; the decoded form is checked for dot-segments by the caller.
 */
function decodeEscapes(path: string): string | Denial {
  let out = '';
  let from = 0;
  let escapedBytes = false;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', from)) {
    const hi = hexValue(path.charCodeAt(i + 1));
    const lo = hexValue(path.charCodeAt(i + 2));
    if (hi === -1 || lo === -1) return MALFORMED;
    const code = hi * 16 + lo;
    if (code === 0x00 || code === 0x5c /* \ */) return UNSAFE;
    if (code === 0x2f /* / */) return ENCODED_SLASH;
    if (code === 0x25 /* % */) {
      // Double encoding: an upstream that decodes twice would read `%252e%252e` as `..`.
      const next = path.slice(i + 3, i + 5).toLowerCase();
      if (next === '2e' || next === '2f' || next === '5c' || next === '00') return UNSAFE;
    }
    out += path.slice(from, i);
    if (isUnreserved(code)) out += String.fromCharCode(code);
    else {
      out += `%${path.slice(i + 1, i + 3).toUpperCase()}`;
      if (code >= 0x80) escapedBytes = true;
    }
    from = i + 3;
  }
  out += path.slice(from);
  if (escapedBytes) {
    try {
      decodeURIComponent(out);
    } catch {
      return NOT_UTF8;
    }
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function isUnreserved(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e;
}

/** A `.` or `..` segment. */
function hasDotSegment(path: string): boolean {
  for (let i = path.indexOf('/.'); i !== -1; i = path.indexOf('/.', i + 1)) {
    let j = i + 2;
    if (path.charCodeAt(j) === 0x2e) j++;
    if (j === path.length || path.charCodeAt(j) === 0x2f) return true;
  }
  return false;
}
