/**
 * Script URLs as a browser reads them: leading blanks and control characters stripped, tabs and newlines inside
 * the scheme ignored ("java\tscript:"), entity-encoded letters already decoded by normalise(). A data: URL is a
 * script URL when it carries HTML, SVG or XML, or base64 that decodes to markup with script.
 */

function lowerAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Blanks a browser or an HTML attribute parser skips before or inside a scheme (C0 controls, NBSP, Unicode spaces). */
export function isSkippable(c: number): boolean {
  return c <= 32 || c === 0xa0 || (c >= 0x2000 && c <= 0x200f) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** End of `scheme:` at i with control characters allowed between its letters, or -1. */
function schemeAt(s: string, i: number, scheme: string): number {
  let j = i;
  for (let k = 0; k < scheme.length; k++) {
    while (j < s.length && s.charCodeAt(j) < 32) j++;
    if (lowerAt(s, j) !== scheme.charCodeAt(k)) return -1;
    j++;
  }
  while (j < s.length && s.charCodeAt(j) < 32) j++;
  return s.charCodeAt(j) === 58 ? j + 1 : -1;
}

const MARKUP_TYPES = ['text/html', 'image/svg', 'text/xml', 'application/xhtml', 'application/xml', 'application/x', 'text/javascript',
  'application/javascript', 'text/ecmascript', 'text/vbscript'];

/** End of a script URL starting at i (javascript:, vbscript:, livescript:, mocha:, data: with markup), or -1. */
export function scriptUrlAt(s: string, i: number): number {
  const c = lowerAt(s, i);
  if (c === 106 || c === 118 || c === 108 || c === 109) {
    return Math.max(schemeAt(s, i, 'javascript'), schemeAt(s, i, 'vbscript'), schemeAt(s, i, 'livescript'), schemeAt(s, i, 'mocha'));
  }
  if (c === 100) {
    const e = schemeAt(s, i, 'data');
    if (e < 0) return -1;
    let j = e;
    while (j < s.length && isSkippable(s.charCodeAt(j))) j++;
    const head = s.slice(j, j + 48).toLowerCase();
    // A data: URL has a payload after a comma; "data: text/html is a type" is prose.
    const hasComma = s.slice(j, j + 65).indexOf(',') >= 0;
    for (const t of MARKUP_TYPES) if (head.startsWith(t)) return hasComma ? j + t.length : -1;
    // data:,<script>... and data:;base64,PHNjcmlwdD4= : no type, markup in the payload.
    const head64 = s.slice(j, j + 65).indexOf(',');
    if (head64 < 0) return -1;
    const comma = j + head64;
    const payload = s.slice(comma + 1, comma + 1 + 4096);
    const text = head.includes('base64') ? decodeBase64(payload) : payload;
    return /<\s*(?:script|svg|iframe|img|body|object|embed)|on[a-z]{3,}\s*=/i.test(text) ? comma + 1 : -1;
  }
  return -1;
}

/** Base64 (standard or URL alphabet, padding optional) to Latin-1 text; stops at the first non-base64 character. */
export function decodeBase64(s: string): string {
  let end = 0;
  while (end < s.length && end < 8192 && /[A-Za-z0-9+/=_-]/.test(s[end] as string)) end++;
  try {
    return Buffer.from(s.slice(0, end).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1');
  } catch {
    return '';
  }
}
