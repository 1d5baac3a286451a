/**
 * Script injection into a JavaScript context (a value written inside a <script> block or an inline handler):
 * a quote closes the string the page opened, an operator joins the attacker's expression, and that expression
 * reaches a global the page's script can call ('-alert(1)//, ";alert(1);//, '};top["al"+"ert"](1)//).
 * Plus the script sinks that only script uses (document.cookie, .innerHTML=, String.fromCharCode) at level 2.
 */
import { RULES } from '../rules.js';
import { finding, tok, type Finding } from '../types.js';
import { compileNeedles } from '../needles.js';
import { work } from '../work.js';

/** Globals an injected expression calls or assigns to. */
const GLOBALS = new Set([
  'alert', 'confirm', 'prompt', 'print', 'eval', 'function', 'settimeout', 'setinterval', 'fetch', 'import', 'document',
  'window', 'top', 'self', 'parent', 'frames', 'location', 'globalthis', 'constructor', 'string', 'atob', 'navigator',
  'xmlhttprequest', 'open', 'history', 'localstorage', 'sessionstorage', 'unescape', 'reflect', 'content', 'opener',
  'cookiestore', 'websocket', 'sendbeacon', 'eventsource', 'this',
]);

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}
function isIdent(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** A quote that closes a JavaScript string, then an operator, then a call of (or assignment to) a global. */
export function jsBreakout(s: string): Finding | undefined {
  for (let i = s.indexOf("'") < 0 && s.indexOf('"') < 0 && s.indexOf('`') < 0 ? s.length : 0; i < s.length; i++) {
    const q = s.charCodeAt(i);
    work.units++;
    if (q !== 39 && q !== 34 && q !== 96) continue;
    let j = i + 1;
    let closers = 0;
    while (j < s.length && (isSpace(s.charCodeAt(j)) || ((s.charCodeAt(j) === 41 || s.charCodeAt(j) === 93 || s.charCodeAt(j) === 125) && ++closers <= 3))) j++;
    // The joining operator: ; , + - * / % | & ^ ? : < > = (a closing bracket alone also ends the page's expression)
    let joined = closers > 0;
    while (j < s.length && ';,+-*/%|&^?:<>=!~'.includes(s[j] as string)) {
      // "//" and "<!--" after the quote comment the page's rest out: not a join.
      if (s.charCodeAt(j) === 47 && s.charCodeAt(j + 1) === 47) break;
      joined = true; j++;
      while (j < s.length && isSpace(s.charCodeAt(j))) j++;
    }
    if (!joined) continue;
    while (s.charCodeAt(j) === 40 || s.charCodeAt(j) === 33 || s.charCodeAt(j) === 126 || isSpace(s.charCodeAt(j))) j++; // ( ! ~
    if (!isIdentStart(s.charCodeAt(j))) continue;
    let k = j;
    while (k < s.length && k - j < 24 && isIdent(s.charCodeAt(k))) k++;
    const name = s.slice(j, k).toLowerCase();
    if (!GLOBALS.has(name)) continue;
    // The global is used: called, indexed, a member taken, assigned, or a tagged template.
    let m = k;
    while (isSpace(s.charCodeAt(m))) m++;
    const c = s.charCodeAt(m);
    if (c === 40 || c === 91 || c === 46 || c === 96 || (c === 61 && s.charCodeAt(m + 1) !== 61)) {
      return finding(RULES.xssJsBreakout, i, m + 1, [tok(s, i, i + 1), tok(s, i + 1, j).trim(), tok(s, j, k), tok(s, m, m + 1)]);
    }
  }
  return undefined;
}

/** Names only script uses; any of them in a value is script (level 2). */
const SINKS = [
  'document.cookie', 'document.write', 'document.domain', 'document.location', 'window.location', 'location.href',
  'location.hash', '.innerhtml', '.outerhtml', 'fromcharcode', 'eval(', 'alert(', 'prompt(', 'confirm(', 'settimeout(',
  'setinterval(', 'new function', 'atob(', 'window.open(', 'createelement(', 'appendchild(', 'window.name', 'alert`',
  'document.body', 'top[', 'self[', 'window[', 'parent[', 'globalthis[', 'xmlhttprequest', 'import(', 'location=',
];

const SINK_NEEDLES = compileNeedles(SINKS);

export function jsSink(s: string): Finding | undefined {
  const m = SINK_NEEDLES.first(s);
  return m === undefined ? undefined : finding(RULES.xssJsSink, m.start, m.end, [tok(s, m.start, m.end)]);
}

/** UTF-7 spelling of '<' or '>' (+ADw- / +AD4-): old IE rendered pages sniffed as UTF-7. */
export function utf7(s: string): Finding | undefined {
  const at = s.indexOf('+AD');
  if (at < 0) return undefined;
  const m = /\+AD[w4]-?/.exec(s.slice(at, at + 6));
  return m ? finding(RULES.xssUtf7, at, at + m[0].length, [m[0]]) : undefined;
}
