/**
 * Script injection, for values that a page will render. Flags what executes in a browser, not markup in
 * general: `<b>`, `a < b` and `</a>` pass. Recognised: script-capable elements (<script>, <iframe>,
 * <svg>, <object>...), any tag carrying an event-handler attribute or a javascript:/vbscript:/data:text/html
 * URL or a CSS expression(), an attribute break (`" onmouseover=`) without a tag, and a value that is itself a
 * javascript: URL. One left-to-right scan; each '<' looks ahead at most to the next '>' (bounded by ATTR_SCAN).
 */
import { fragmentOf } from './types.js';

const DANGEROUS_TAGS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'meta', 'link', 'style', 'base', 'svg',
  'math', 'xml', 'import', 'isindex', 'template', 'portal', 'xss', 'animate', 'set', 'handler', 'listener', 'xsl', 'vmlframe', 'vml',
]);

/** Event handler names: "on" + one of these prefixes covers the HTML, SVG and legacy IE handlers. */
const EVENT_PREFIXES = [
  'abort', 'activate', 'after', 'animation', 'auxclick', 'before', 'begin', 'blur', 'bounce', 'cancel', 'canplay',
  'change', 'click', 'close', 'contextmenu', 'copy', 'cuechange', 'cut', 'dblclick', 'deactivate', 'drag', 'drop',
  'durationchange', 'end', 'error', 'filterchange', 'finish', 'focus', 'formdata', 'fullscreen', 'hashchange', 'help',
  'input', 'invalid', 'key', 'layoutcomplete', 'load', 'losecapture', 'message', 'mouse', 'move', 'offline', 'online',
  'page', 'paste', 'pause', 'play', 'pointer', 'popstate', 'progress', 'propertychange', 'ratechange', 'readystatechange',
  'repeat', 'reset', 'resize', 'rowe', 'rowi', 'rows', 'scroll', 'search', 'seek', 'select', 'show', 'stalled', 'start',
  'storage', 'submit', 'suspend', 'timeupdate', 'toggle', 'touch', 'transition', 'unload', 'volumechange', 'waiting', 'wheel',
  'zoom', 'data', 'control', 'stop', 'form', 'timer', 'selectstart', 'selectionchange', 'afterprint', 'beforeprint', 'mousewheel',
];

const ATTR_SCAN = 2048;

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function lowerAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Whether s has an event-handler attribute name starting at i ("onerror") followed by optional blanks and '='. */
function eventHandlerAt(s: string, i: number): number {
  if (lowerAt(s, i) !== 111 || lowerAt(s, i + 1) !== 110) return -1;
  let j = i + 2;
  while (j < s.length && isLetter(s.charCodeAt(j))) j++;
  if (j - i < 5) return -1;
  let k = j;
  while (k < s.length && (s.charCodeAt(k) <= 32 || s.charCodeAt(k) === 47)) k++;
  if (s.charCodeAt(k) !== 61) return -1;
  const name = s.slice(i + 2, j).toLowerCase();
  for (const p of EVENT_PREFIXES) if (name.startsWith(p)) return k + 1;
  return -1;
}

/** "javascript:" with tabs, newlines and control characters between its letters, as browsers forgive. */
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

function scriptUrlAt(s: string, i: number): number {
  const c = lowerAt(s, i);
  if (c === 106 || c === 118 || c === 108) {
    return Math.max(schemeAt(s, i, 'javascript'), schemeAt(s, i, 'vbscript'), schemeAt(s, i, 'livescript'));
  }
  if (c === 100 && schemeAt(s, i, 'data') > 0) {
    const rest = s.slice(i, i + 40).toLowerCase().replace(/\s/g, '');
    return rest.startsWith('data:text/html') || rest.startsWith('data:image/svg') || rest.startsWith('data:application/x') ? i + 5 : -1;
  }
  return -1;
}

export function detectXss(value: string): string | undefined {
  const s = value;
  const n = s.length;
  // The value as a whole is a script URL (a link target, an image source).
  let first = 0;
  while (first < n && s.charCodeAt(first) <= 32) first++;
  const su = scriptUrlAt(s, first);
  if (su > 0) return fragmentOf(s, first, su + 16);
  let lastTagEnd = -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 60 || c === 0xab || c === 0xff1c) { // '<', and the '«' / fullwidth forms some parsers fold to it
      let j = i + 1;
      if (s.charCodeAt(j) === 47) j++;
      const nameStart = j;
      while (j < n && (isLetter(s.charCodeAt(j)) || (j > nameStart && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57))) j++;
      if (j === nameStart) {
        // Conditional comments, processing instructions (<?xml-stylesheet, <?import) and DTD declarations
        // (<!ENTITY: external entities) load or run code; "<?xml version" alone is an XML prolog.
        const decl = s.slice(i + 1, i + 16).toLowerCase();
        if ((decl.startsWith('!--') && decl.startsWith('[if', 3)) || (decl.startsWith('?') && !decl.startsWith('?xml version')) ||
          decl.startsWith('!entity') || decl.startsWith('!attlist') || (decl.startsWith('!doctype') && s.slice(i, i + 40).includes('['))) {
          return fragmentOf(s, i, i + 32);
        }
        if (s.charCodeAt(j) !== 47) continue;
      }
      const name = s.slice(nameStart, j).toLowerCase();
      if (DANGEROUS_TAGS.has(name) && s.charCodeAt(nameStart - 1) !== 47) return fragmentOf(s, i, j + 24);
      // Attributes of this tag: handlers, script URLs, CSS expressions.
      const limit = Math.min(n, j + ATTR_SCAN);
      // Each character is scanned as an attribute once: overlapping '<' do not rescan (linear time).
      let k = Math.max(j, lastTagEnd + 1);
      for (; k < limit; k++) {
        if (s.charCodeAt(k) === 62) break;
        const h = attrDanger(s, k);
        if (h > 0) return fragmentOf(s, i, h + 16);
      }
      lastTagEnd = Math.max(lastTagEnd, k);
      continue;
    }
    // An attribute break without a tag: x" onmouseover=alert(1)
    if ((c <= 32 || c === 34 || c === 39 || c === 47 || c === 96 || c === 59) && i > lastTagEnd) {
      const h = eventHandlerAt(s, i + 1);
      if (h > 0) return fragmentOf(s, i + 1, h + 16);
      if (i + 1 < n && (lowerAt(s, i + 1) === 115)) { // style=...expression(
        const e = cssExpressionAfter(s, i + 1);
        if (e > 0) return fragmentOf(s, i + 1, e);
      }
    }
  }
  // A handler at the very start: onerror=alert(1)
  const h0 = eventHandlerAt(s, first);
  if (h0 > 0) return fragmentOf(s, first, h0 + 16);
  return undefined;
}

function attrDanger(s: string, k: number): number {
  const a = s.charCodeAt(k);
  const prev = s.charCodeAt(k - 1);
  const boundary = prev <= 32 || prev === 34 || prev === 39 || prev === 47 || prev === 96 || prev === 59 || prev === 58;
  if (boundary && (a | 32) === 111) {
    const h = eventHandlerAt(s, k);
    if (h > 0) return h;
  }
  if (boundary && ((a | 32) === 115 || (a | 32) === 100)) {
    const attr = s.slice(k, k + 13).toLowerCase();
    // srcdoc holds a whole document; datasrc/dataformatas bind markup from a data island (old IE)
    if (/^(?:srcdoc|datasrc|dataformatas)\s*=/.test(attr)) return k + 6;
    if (/^style\s*=/.test(attr)) {
      const e = cssExpressionAfter(s, k);
      if (e > 0) return e;
    }
  }
  if (prev === 61 || prev === 34 || prev === 39 || prev === 40 || prev <= 32) {
    const u = scriptUrlAt(s, k);
    if (u > 0) return u;
  }
  if ((a | 32) === 101 && /^expression\s*[(\\]/.test(s.slice(k, k + 12).toLowerCase())) return k + 11;
  return -1;
}

/** style="x:expression(alert(1))" — IE's CSS expressions run script. Looks only a short way ahead. */
function cssExpressionAfter(s: string, i: number): number {
  if (lowerAt(s, i + 1) !== 116 || lowerAt(s, i + 2) !== 121 || lowerAt(s, i + 3) !== 108 || lowerAt(s, i + 4) !== 101) return -1;
  const window = s.slice(i, i + 160).toLowerCase();
  // expression() runs script (IE); behavior/-moz-binding load script; url() and @import fetch attacker files.
  for (const needle of ['expression(', 'expression\\', 'behavior', '-moz-binding', 'url(', '@import']) {
    const e = window.indexOf(needle);
    if (e >= 0) return i + e + needle.length;
  }
  return -1;
}
