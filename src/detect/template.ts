/**
 * Server-side template and expression-language injection: a value that a template engine evaluates. We find
 * the delimiters of the common engines ({{ }} Jinja/Twig/Handlebars/Angular, ${ } FreeMarker/EL/SpEL/Thymeleaf,
 * #{ } and *{ } JSF/Thymeleaf/Ruby, <% %> ERB/EJS/JSP, {% %} Jinja/Twig statements, %{ } OGNL, @( ) Razor) and
 * read what is inside as an expression: arithmetic on literals is the probe attackers send first ({{7*7}}),
 * dunders, class loading and runtime access are the exploit, a method call is suspicious, a placeholder
 * ({{first_name}}, ${user.name}) is ordinary. Directives that import or execute (<#assign x="..."?new()>,
 * #set($x=...), {php}) decide alone. One pass over the value; each expression is read once (bounded length).
 */
import { RULES } from './rules.js';
import { finding, type Finding, type Level, type Rule } from './types.js';
import { work } from './work.js';

const EXPR_MAX = 512;

/** Names that reach classes, globals, the runtime or the engine's internals. */
const REACH = new Set([
  'getRuntime', 'getClass', 'forName', 'Runtime', 'ProcessBuilder', 'ScriptEngineManager', 'popen', 'subprocess',
  'getFilter', 'registerUndefinedFilterCallback', 'Execute', 'ObjectConstructor', 'JythonRuntime', 'child_process',
  'mainModule', 'getMethod', 'invoke', 'newInstance', 'getDeclaredConstructor', 'classLoader', 'getClassLoader',
  'DEFAULT_MEMBER_ACCESS', '_memberAccess', 'OgnlContext', 'getResource', 'readAllBytes', 'exec', 'system', 'eval',
  'import', 'require', 'getenv', 'lipsum', 'cycler', 'joiner', 'namespace', 'url_for', 'get_flashed_messages',
  'application', 'environ', 'config', 'settings', 'TemplateReference', '_self', 'self', 'constructor', 'globals',
  'builtins', 'mro', 'subclasses', 'os', 'sys', 'java', 'javax', 'Class', 'freemarker', 'velocity', 'ognl', 'org',
]);

/** Of REACH, names that are also ordinary placeholders ({{ self }}, ${settings}): they need a member or a call. */
const REACH_WITH_MEMBER = new Set(['self', 'settings', 'application', 'environ', 'os', 'sys', 'java', 'javax', 'org', 'import', 'require',
  'system', 'exec', 'eval', 'invoke', 'Class', 'constructor', 'namespace', 'globals', 'builtins']);

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}
function isIdent(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Reads an expression; the rule it deserves (or undefined), with the token that decided in `why`. */
let why = '';
function judgeExpression(e: string): Rule | undefined {
  work.units += e.length;
  let prev = 0; // 0 none, 1 literal, 2 identifier, 3 operator-after-literal
  let call = false, op = false, probe = false, reach = false;
  for (let i = 0; i < e.length; i++) {
    const c = e.charCodeAt(i);
    if (c <= 32) continue;
    if (isDigit(c)) {
      let j = i;
      while (j < e.length && (isDigit(e.charCodeAt(j)) || e.charCodeAt(j) === 46)) j++;
      if (prev === 3) { probe = true; why = e.slice(0, j).trim(); }
      prev = 1;
      i = j - 1;
      continue;
    }
    if (c === 39 || c === 34) { // a string literal
      const close = e.indexOf(String.fromCharCode(c), i + 1);
      if (prev === 3) { probe = true; why = e.slice(0, close < 0 ? e.length : close + 1).trim(); }
      prev = 1;
      i = close < 0 ? e.length : close;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i;
      while (j < e.length && isIdent(e.charCodeAt(j))) j++;
      const name = e.slice(i, j);
      let k = j;
      while (k < e.length && e.charCodeAt(k) <= 32) k++;
      const next = e.charCodeAt(k);
      if (next === 40) call = true;
      // __class__, __mro__, __globals__, _TemplateReference__context: Python object walking
      const dunder = name.startsWith('__') || name.includes('__');
      const bare = name.replace(/^_+|_+$/g, '');
      if (dunder || (REACH.has(name) || REACH.has(bare)) && (!REACH_WITH_MEMBER.has(bare) || next === 46 || next === 40 || next === 91)) {
        reach = true;
        why = name;
      }
      // T(java.lang.Runtime) in SpEL, @java.lang.Runtime@getRuntime() in OGNL
      if (name === 'T' && next === 40) { reach = true; why = 'T('; }
      prev = 2;
      i = j - 1;
      continue;
    }
    if (c === 64 && isIdentStart(e.charCodeAt(i + 1))) { reach = reach || /^@(?:java|javax|ognl|org)\./.test(e.slice(i, i + 8)); prev = 2; continue; }
    if (c === 63 && e.startsWith('?new', i)) { reach = true; why = '?new()'; continue; } // FreeMarker ?new() builtin
    if (c === 42 || c === 43 || c === 45 || c === 47 || c === 37 || c === 94) { // * + - / % ^
      op = true;
      prev = prev === 1 || prev === 3 ? 3 : 0;
      continue;
    }
    if (c === 61 || c === 60 || c === 62 || c === 33 || c === 38 || c === 124 || c === 126) op = true;
    prev = c === 41 || c === 93 ? 2 : 0;
  }
  if (reach) return RULES.sstiObjectWalk;
  if (probe) return RULES.sstiProbe;
  if (call) { why = 'call'; return RULES.sstiCall; }
  if (op) { why = 'operator'; return RULES.sstiExpression; }
  return undefined;
}

/** Opening delimiters and what closes them. */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['{{', '}}'], ['${', '}'], ['#{', '}'], ['*{', '}'], ['%{', '}'], ['<%', '%>'], ['{%', '%}'], ['@(', ')'], ['@{', '}'], ['[[', ']]'],
];

/** Directives that import, define or execute whatever their arguments say. */
const DIRECTIVES = /<#(?:assign|import|include|global|local|setting)\b|#set\s*\(\s*\$|#foreach\s*\(|#evaluate\s*\(|\{php\}|\{%-?\s*(?:import|from)\b|\$class\.|<%@\s*page\s+import\b/i;

function indexWithin(s: string, needle: string, from: number, span: number): number {
  work.units += span;
  const at = s.slice(from, from + span + needle.length).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

export function detectTemplate(value: string, level: Level): Finding | undefined {
  const s = value;
  let best: Finding | undefined;
  let quick = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 123 || c === 37 || c === 40 || c === 91) { quick = true; break; } // { % ( [
  }
  if (!quick) return undefined;
  const d = DIRECTIVES.exec(s.length > 4096 ? s.slice(0, 4096) : s);
  if (d) return finding(RULES.sstiDirective, d.index, d.index + d[0].length, [d[0]]);
  work.units += s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 123 || c === 36 || c === 35 || c === 42 || c === 37 || c === 60 || c === 64 || c === 91)) continue;
    for (const [open, close] of PAIRS) {
      if (!s.startsWith(open, i)) continue;
      let start = i + open.length;
      // {{{x}}}, ${{x}}, <%= x %>, <%- x %>: the extra opener character is part of the delimiter
      while (start < s.length && (s.charCodeAt(start) === 123 || s.charCodeAt(start) === 61 || s.charCodeAt(start) === 45)) start++;
      // The closer is looked for within EXPR_MAX only: unclosed openers must not each scan the whole value.
      let end = indexWithin(s, close, start, EXPR_MAX);
      if (end < 0) end = Math.min(s.length, start + EXPR_MAX);
      const rule = judgeExpression(s.slice(start, end));
      if (rule !== undefined && rule.level <= level) {
        const f = finding(rule, i, Math.min(s.length, end + close.length), [open, why.slice(0, 32), close]);
        if (rule.level === 1) return f;
        if (best === undefined || rule.level < best.rule.level) best = f;
      }
      // The expression was read: continue after it (keeps the scan linear).
      i = Math.max(i, end - 1);
      break;
    }
  }
  return best;
}

