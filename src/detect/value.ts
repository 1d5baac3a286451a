/**
 * detectValue: the per-string entry point. Decodes, then runs each detector in turn; the common case (a plain
 * word, a number, an id) returns after one scan of the value without allocating.
 */
import { detectCommand } from './command.js';
import { normalise } from './decode.js';
import { detectNosqlString } from './nosql.js';
import { detectPathTraversal } from './path-traversal.js';
import { detectPrototypeString } from './prototype.js';
import { detectSqli } from './sql/index.js';
import { detectSsrf } from './ssrf.js';
import type { Category, DetectContext, Detection } from './types.js';
import { detectXss } from './xss.js';

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

function hit(category: Category, fragment: string | undefined): Detection | undefined {
  return fragment === undefined ? undefined : { category, fragment };
}

/** Judges one string value; returns the first detection, or undefined for a clean value. */
export function detectValue(value: string, context?: DetectContext): Detection | undefined {
  const kind = context?.kind ?? 'generic';
  if (kind !== 'url') {
    const cls = safeClass(value);
    if (cls === 1) {
      // Safe characters can still spell a property path through the prototype: __proto__.isAdmin
      if (value.length >= 9 && on(context, 'prototype-pollution') && (value.indexOf('__proto__') >= 0 || value.indexOf('prototype') >= 0)) {
        return hit('prototype-pollution', detectPrototypeString(value));
      }
      return undefined;
    }
    // "1 or 1=1" needs '=', but "1 union select 1,2" does not: plain words can still be SQL.
    if (cls === 2) return on(context, 'sqli') ? hit('sqli', detectSqli(value)) : undefined;
  }
  const v = normalise(value);
  let d: Detection | undefined;
  if (on(context, 'prototype-pollution') && (d = hit('prototype-pollution', detectPrototypeString(v)))) return d;
  if (on(context, 'nosqli') && (d = hit('nosqli', detectNosqlString(v)))) return d;
  if (on(context, 'sqli') && (d = hit('sqli', detectSqli(v)))) return d;
  if (kind !== 'path' && on(context, 'xss') && (d = hit('xss', detectXss(v)))) return d;
  if (on(context, 'cmdi')) {
    // A newline typed into a text field separates lines of prose; one that was percent- or entity-encoded
    // was hidden on purpose.
    const newlineSeparates = value.indexOf('\n') < 0;
    if ((d = hit('cmdi', detectCommand(v, newlineSeparates)))) return d;
  }
  if (on(context, 'path-traversal') && (d = hit('path-traversal', detectPathTraversal(v, value, kind === 'path')))) return d;
  if (on(context, 'ssrf') && (d = hit('ssrf', detectSsrf(v, kind === 'url')))) return d;
  return undefined;
}
