/**
 * CSS that runs or loads script, wherever the value lands (a style attribute, a <style> block, a stylesheet
 * field): expression() (IE), url() with a script URL, behavior: and -moz-binding: (load script), @import of a
 * remote sheet (level 2: CSS injection reads the page). Comments and CSS escapes inside the keyword are folded
 * first (expr/**\/ession, \65xpression), as the CSS tokenizer does.
 */
import { RULES } from '../rules.js';
import { finding, tok, type Finding } from '../types.js';
import { scriptUrlAt } from './url.js';
import { work } from '../work.js';

/** The value with CSS comments removed and CSS hex escapes (\65, \000065) decoded; only when it holds any. */
function fold(s: string): string {
  if (s.indexOf('/*') < 0 && s.indexOf('\\') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 && s.charCodeAt(i + 1) === 42) {
      const close = s.indexOf('*/', i + 2);
      i = close < 0 ? s.length : close + 1;
      continue;
    }
    if (c === 92) {
      let j = i + 1;
      let cp = 0;
      while (j < s.length && j - i <= 6 && /[0-9a-fA-F]/.test(s[j] as string)) { cp = cp * 16 + parseInt(s[j] as string, 16); j++; }
      if (j > i + 1) {
        if (s.charCodeAt(j) === 32) j++;
        out += cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
        i = j - 1;
        continue;
      }
      continue; // \e is e
    }
    out += s[i];
  }
  return out;
}

export function cssDanger(value: string): Finding | undefined {
  if (value.indexOf('(') < 0 && value.indexOf(':') < 0 && value.indexOf('\\') < 0) return undefined;
  const s = fold(value);
  const low = s.toLowerCase();
  work.units += 4 * value.length; // fold, lower-case and the three keyword scans
  for (let i = low.indexOf('expression'); i >= 0; i = low.indexOf('expression', i + 1)) {
    let j = i + 10;
    while (j < low.length && low.charCodeAt(j) <= 32) j++;
    if (low.charCodeAt(j) !== 40) continue;
    // A property value: "width:expression(", "x: expression (" — not prose "expression (noun)".
    let p = i - 1;
    while (p >= 0 && low.charCodeAt(p) <= 32) p--;
    if (p >= 0 && (low.charCodeAt(p) === 58 || low.charCodeAt(p) === 61)) return finding(RULES.xssCss, i, j + 1, [tok(s, i, j + 1)]);
  }
  for (let i = low.indexOf('url'); i >= 0; i = low.indexOf('url', i + 1)) {
    let j = i + 3;
    while (j < low.length && low.charCodeAt(j) <= 32) j++;
    if (low.charCodeAt(j) !== 40) continue;
    j++;
    while (j < low.length && (low.charCodeAt(j) <= 32 || low.charCodeAt(j) === 34 || low.charCodeAt(j) === 39)) j++;
    const u = scriptUrlAt(s, j);
    if (u > 0) return finding(RULES.xssCss, i, u, [tok(s, i, u)]);
  }
  for (const needle of ['behavior:', 'behavior :', '-moz-binding']) {
    const i = low.indexOf(needle);
    if (i >= 0) return finding(RULES.xssCss, i, i + needle.length, [needle]);
  }
  return undefined;
}
