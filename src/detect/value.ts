/**
 * detectValue: the per-string entry point. Decodes (URL, double URL, HTML entities, JS escapes, look-alike
 * characters, marked base64), then runs each detector in turn at the requested paranoia level; the common case
 * (a plain word, a number, an id) returns after one scan of the value without allocating.
 */
import { detectCode, detectCodeCalls } from './code.js';
import { markedBase64, normalise } from './decode.js';
import { detectXss } from './html/xss.js';
import { detectJndi } from './jndi.js';
import { detectNosqlString } from './nosql.js';
import { detectPathTraversal } from './path-traversal.js';
import { detectPrototypeString } from './prototype.js';
import { detectCommand } from './shell/index.js';
import { detectSqli } from './sql/index.js';
import { detectSsrf } from './ssrf.js';
import { detectTemplate } from './template.js';
import { work } from './work.js';
import { fragmentOf, type Category, type DetectContext, type Detection, type Finding, type Level, type ValueKind } from './types.js';

/** Characters that no detector needs to look at: letters, digits, blank and _ . , @ - */
const SAFE = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,@-') SAFE[ch.charCodeAt(0)] = 1;

/** 0: unsafe characters present; 1: safe, no blank; 2: safe with blanks (SQL keywords may still form a query). */
function safeClass(value: string): number {
  let blank = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || SAFE[c] === 0) return 0;
    if (c === 32) blank = true;
  }
  return blank ? 2 : 1;
}

function on(ctx: DetectContext | undefined, c: Category): boolean {
  return ctx?.categories === undefined || ctx.categories.has(c);
}

export function toDetection(f: Finding, value: string): Detection {
  const r = f.rule;
  return { category: r.category, rule: r.id, level: r.level, reason: r.reason, tokens: f.tokens, fragment: fragmentOf(value, f.start, f.end) };
}

/** Judges one string value; returns the first detection, or undefined for a clean value. */
export function detectValue(value: string, context?: DetectContext): Detection | undefined {
  work.units += value.length;
  const kind = context?.kind ?? 'generic';
  const level = context?.level ?? 1;
  if (kind !== 'url') {
    const cls = safeClass(value);
    if (cls === 1) {
      // Safe characters can still spell a property path through the prototype: __proto__.isAdmin
      if (value.length >= 9 && on(context, 'prototype-pollution') && (value.indexOf('__proto__') >= 0 || value.indexOf('prototype') >= 0)) {
        const f = detectPrototypeString(value);
        return f && toDetection(f, value);
      }
      return undefined;
    }
    // "1 or 1=1" needs '=', but "1 union select 1,2" does not: plain words can still be SQL.
    if (cls === 2) {
      const f = (on(context, 'sqli') ? detectSqli(value, level) : undefined) ??
        // A command line can be spelt in safe characters too: "uname -a", "nc -lvp 4444" (level 2).
        (on(context, 'cmdi') && value.indexOf(' -') >= 0 ? detectCommand(value, level, true) : undefined);
      return f && toDetection(f, value);
    }
  }
  const v = normalise(value);
  const f = judge(v, value, kind, level, context);
  if (f !== undefined) return toDetection(f, v);
  // One layer of base64 the value itself marks (data:...;base64, / -EncodedCommand): judge what it decodes to.
  const inner = markedBase64(v);
  if (inner !== undefined) {
    const g = judge(inner, inner, kind, level, context);
    if (g !== undefined) return toDetection(g, inner);
  }
  return undefined;
}

function judge(v: string, raw: string, kind: ValueKind, level: Level, context: DetectContext | undefined): Finding | undefined {
  let f: Finding | undefined;
  // Each detector needs some characters to be there at all; one look for each saves whole scans.
  const dollar = v.indexOf('$') >= 0;
  if (on(context, 'prototype-pollution') && (f = detectPrototypeString(v))) return f;
  if (on(context, 'nosqli') && (dollar || v.indexOf("'") >= 0 || v.indexOf('"') >= 0) && (f = detectNosqlString(v))) return f;
  if (on(context, 'jndi') && dollar && (f = detectJndi(v, level))) return f;
  if (on(context, 'ssti') && (f = detectTemplate(v, level))) return f;
  if (on(context, 'code') && (f = detectCode(v, level))) return f;
  if (on(context, 'sqli') && (f = detectSqli(v, level))) return f;
  if (kind !== 'path' && on(context, 'xss') && (f = detectXss(v, level))) return f;
  // A newline typed into a text field separates lines of prose; one that was percent- or entity-encoded
  // was hidden on purpose.
  if (on(context, 'cmdi') && (f = detectCommand(v, level, context?.encodedNewlines === true || raw.indexOf('\n') < 0))) return f;
  if (on(context, 'code') && (f = detectCodeCalls(v))) return f;
  if (on(context, 'path-traversal') && (f = detectPathTraversal(v, raw, kind === 'path', level))) return f;
  if (on(context, 'ssrf') && (f = detectSsrf(v, kind === 'url', level))) return f;
  return undefined;
}
