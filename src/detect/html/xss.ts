/**
 * Script injection, judged the way an HTML/XML parser reads the value: tags by local name (namespace prefixes
 * dropped: <x:script>, <svg:a>), attributes with any blanks, slashes and control characters around '=', script
 * URLs after entity and blank folding, CSS that runs or fetches script, and JavaScript-context breakouts.
 * What executes is refused at level 1; tags that act without script (forms, meta, SVG hosts) at level 2; any
 * markup at level 3. `<b>`, `a < b` and `</a>` pass at levels 1 and 2. One left-to-right scan: each '<' looks
 * ahead at most to the next '>' (bounded by ATTR_SCAN) and no character is scanned as an attribute twice.
 */
import { RULES } from '../rules.js';
import { finding, tok, type Finding, type Level, type Rule } from '../types.js';
import { cssDanger } from './css.js';
import { jsBreakout, jsSink, utf7 } from './js.js';
import { ACTIVE_ELEMENTS, EVENT_PREFIXES, HTML_ELEMENTS, SCRIPT_ELEMENTS } from './tags.js';
import { isSkippable, scriptUrlAt } from './url.js';
import { work } from '../work.js';

const ATTR_SCAN = 2048;

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function lowerAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * An event-handler attribute at i ("onerror" followed by blanks, '/' or control characters and '='): the end
 * of the '=', negated when the name is not a known handler (-(end)) so callers can rank it, 0 when none.
 */
function eventHandlerAt(s: string, i: number): number {
  if (lowerAt(s, i) !== 111 || lowerAt(s, i + 1) !== 110) return 0;
  let j = i + 2;
  while (j < s.length && isLetter(s.charCodeAt(j))) { j++; work.units++; }
  if (j - i < 5) return 0;
  let k = j;
  while (k < s.length && (s.charCodeAt(k) <= 32 || s.charCodeAt(k) === 47)) k++;
  if (s.charCodeAt(k) !== 61 || s.charCodeAt(k + 1) === 61) return 0;
  const name = s.slice(i + 2, j).toLowerCase();
  for (const p of EVENT_PREFIXES) if (name.startsWith(p)) return k + 1;
  return -(k + 1);
}

let level: Level = 1;
/** The best finding above level 1 seen so far; returned when no level-1 rule decides. */
let pending: Finding | undefined;

function consider(f: Finding): Finding | undefined {
  if (f.rule.level > level) return undefined;
  if (f.rule.level === 1) return f;
  if (pending === undefined || f.rule.level < pending.rule.level) pending = f;
  return undefined;
}

function at(rule: Rule, s: string, start: number, end: number, tokens?: string[]): Finding | undefined {
  if (rule.level > level) return undefined;
  return consider(finding(rule, start, end, tokens ?? [tok(s, start, end)]));
}

export function detectXss(value: string, lvl: Level): Finding | undefined {
  level = lvl;
  pending = undefined;
  const s = value;
  const n = s.length;
  // The value as a whole is a script URL (a link target, an image source, a redirect).
  let first = 0;
  while (first < n && isSkippable(s.charCodeAt(first))) first++;
  const su = scriptUrlAt(s, first);
  if (su > 0) return finding(RULES.xssScriptUrl, first, su, [tok(s, first, su)]);
  let lastTagEnd = -1;
  work.units += n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 60 || c === 0xff1c) { // '<' and its fullwidth form, which some back ends fold to it
      const f = tag(s, i, lastTagEnd);
      lastTagEnd = Math.max(lastTagEnd, tagEnd);
      if (f !== undefined) return f;
      continue;
    }
    // An attribute break without a tag: x" onmouseover=alert(1), x' style=x:expression(..)
    if ((c <= 32 || c === 34 || c === 39 || c === 47 || c === 96 || c === 59) && i > lastTagEnd) {
      const h = eventHandlerAt(s, i + 1);
      if (h > 0) return finding(RULES.xssEventHandler, i + 1, h, [tok(s, i, i + 1), tok(s, i + 1, h)]);
      if (h < 0 && (c === 34 || c === 39)) { const r = at(RULES.xssUnknownHandler, s, i + 1, -h); if (r) return r; }
    }
  }
  // A handler at the very start: onerror=alert(1)
  const h0 = eventHandlerAt(s, first);
  if (h0 > 0) return finding(RULES.xssEventHandler, first, h0, [tok(s, first, h0)]);
  const css = cssDanger(s);
  if (css !== undefined) return css;
  const js = jsBreakout(s);
  if (js !== undefined) return js;
  if (level >= 2) {
    const sink = jsSink(s) ?? utf7(s);
    if (sink !== undefined) consider(sink);
  }
  return pending;
}

/** Where the last tag() call stopped scanning attributes. */
let tagEnd = -1;

/** Judges the tag opened at i: element name, then each attribute until '>'. */
function tag(s: string, i: number, lastTagEnd: number): Finding | undefined {
  const n = s.length;
  tagEnd = i;
  let j = i + 1;
  const closing = s.charCodeAt(j) === 47;
  if (closing) j++;
  const nameStart = j;
  // A tag name runs to a blank, '/', '>' or another '<' (HTML: any other character belongs to the name).
  while (j < n && j - nameStart < 64) {
    const c = s.charCodeAt(j);
    if (c <= 32 || c === 47 || c === 62 || c === 60) break;
    j++;
  }
  if (j === nameStart || !isLetter(s.charCodeAt(nameStart))) {
    // Conditional comments, processing instructions (<?xml-stylesheet, <?import) and DTD declarations
    // (<!ENTITY: external entities) load or run code; "<?xml version" alone is an XML prolog.
    const decl = s.slice(i + 1, i + 16).toLowerCase();
    if ((decl.startsWith('!--') && decl.startsWith('[if', 3)) || (decl.startsWith('?') && !decl.startsWith('?xml version') && !decl.startsWith('?xml ') && !decl.startsWith('?php')) ||
      decl.startsWith('!entity') || decl.startsWith('!attlist') || (decl.startsWith('!doctype') && s.slice(i, i + 80).includes('['))) {
      return finding(RULES.xssMarkupDeclaration, i, Math.min(n, i + 16), [tok(s, i, Math.min(n, i + 16))]);
    }
    return undefined;
  }
  const full = s.slice(nameStart, j).toLowerCase();
  const colon = full.lastIndexOf(':');
  const local = colon >= 0 ? full.slice(colon + 1) : full;
  if (closing) return undefined;
  if (SCRIPT_ELEMENTS.has(local)) return finding(RULES.xssScriptElement, i, j, [tok(s, i, j)]);
  // Attributes of this tag: handlers, script URLs, CSS. Each character is scanned as an attribute once.
  const limit = Math.min(n, j + ATTR_SCAN);
  let k = Math.max(j, lastTagEnd + 1);
  let attrs = false;
  for (; k < limit; k++) {
    work.units++;
    const a = s.charCodeAt(k);
    if (a === 62) break;
    if (a === 61) attrs = true;
    const f = attribute(s, k);
    if (f !== undefined) return f;
  }
  tagEnd = k;
  if (ACTIVE_ELEMENTS.has(local) && attrs) return at(RULES.xssActiveTag, s, i, j);
  if (level >= 3 && (HTML_ELEMENTS.has(local) || (attrs && colon >= 0))) return at(RULES.xssAnyTag, s, i, j);
  return undefined;
}

function attribute(s: string, k: number): Finding | undefined {
  const a = s.charCodeAt(k);
  const prev = s.charCodeAt(k - 1);
  const boundary = prev <= 32 || prev === 34 || prev === 39 || prev === 47 || prev === 96 || prev === 59 || prev === 58;
  if (boundary && (a | 32) === 111) {
    const h = eventHandlerAt(s, k);
    if (h > 0) return finding(RULES.xssEventHandler, k, h, [tok(s, k, h)]);
    if (h < 0) { const r = at(RULES.xssUnknownHandler, s, k, -h); if (r) return r; }
  }
  if (boundary && ((a | 32) === 115 || (a | 32) === 100)) {
    const name = s.slice(k, k + 13).toLowerCase();
    // srcdoc holds a whole document; datasrc/dataformatas bind markup from a data island (old IE)
    if (/^(?:srcdoc|datasrc|dataformatas)\s*=/.test(name)) return finding(RULES.xssScriptElement, k, k + 6, [tok(s, k, k + 6)]);
  }
  if (prev === 61 || prev === 34 || prev === 39 || prev === 40 || isSkippable(prev) || prev === 44 || prev === 59) {
    const u = scriptUrlAt(s, k);
    if (u > 0) return finding(RULES.xssScriptUrl, k, u, [tok(s, k, u)]);
  }
  return undefined;
}
