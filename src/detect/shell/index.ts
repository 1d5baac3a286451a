/**
 * OS command injection, judged on the commands a shell would run. The value is read by the shell tokenizer
 * three ways: as it stands (it was put in a command line as an argument), and as the continuation of a single-
 * or double-quoted string the application opened. A command counts by what introduced it (a separator or a
 * substitution is needed to break out of an argument), by its resolved name (quotes, escapes, empty expansions,
 * globs, carets and %VAR% folded away) and by its arguments (options, paths, system files, URLs, redirections).
 * Commands whose names are also words of text ("cat", "more", "type") need shell-shaped arguments, so prose with
 * "&" and ";" passes. cmd.exe and PowerShell spellings are judged in the same pass.
 */
import { RULES } from '../rules.js';
import { finding, tok, type Finding, type Level, type Rule } from '../types.js';
import { GLOB_DIRS, GLOB_TARGETS, KNOWN_NONE, KNOWN_STRONG, KNOWN_WEAK, SENSITIVE_ARGS, knownCommand } from './commands.js';
import {
  Command, E_CLOSE, E_END, E_PAREN, E_SEP, I_AMP, I_AND, I_CODESPAN, I_GROUP, I_NL_HIDDEN, I_NL_TYPED, I_PIPE, I_SEMI, I_START, I_SUBST,
  M_DQ, M_PLAIN, M_SQ, ShellLexer, W_ANSI, W_ARITH, W_BRACE, W_CARET, W_EMPTY_EXP, W_ESCAPE, W_GLOB, W_IFS, W_PARAM_OP,
  W_PCT_VAR, W_QUOTE_INSIDE, W_QUOTED, W_SUBST, W_VAR,
} from './lexer.js';
import { powershellCradle } from './powershell.js';
import { work } from '../work.js';

const lexer = new ShellLexer();

/** Spellings of a command word that only an evasion produces. */
const OBFUSCATION = W_QUOTE_INSIDE | W_ESCAPE | W_EMPTY_EXP | W_IFS | W_GLOB | W_CARET | W_VAR | W_BRACE | W_ANSI | W_SUBST;

/** Glob matching is the costly part of resolving a word: a few per value (counted; linear-time test). */
const GLOB_BUDGET = 8;

let level: Level = 1;
let result: Finding | undefined;
/** The reading in progress: in a quote reading the first word holds the application's string, not a command. */
let reading = M_PLAIN;
let globBudget = 0;

/**
 * @param newlineHidden whether a newline in the value ends a command: true when it was hidden by an encoding
 *   (%0a), false for multi-line text typed by a person.
 */
export function detectCommand(value: string, lvl: Level, newlineHidden = true): Finding | undefined {
  if (!worthReading(value)) return undefined;
  level = lvl;
  result = undefined;
  globBudget = GLOB_BUDGET;
  // bash imports a function from any environment value that starts with "() {": Shellshock.
  if (/^\s*\(\s*\)\s*\{/.test(value)) return finding(RULES.shellShock, 0, Math.min(value.length, 24), [value.slice(0, value.indexOf('{') + 1)]);
  const cradle = powershellCradle(value);
  if (cradle !== undefined) return cradle;
  // Server-side includes: <!--#exec cmd="..."--> runs a command on servers that parse SSI in what they serve.
  const ssi = value.indexOf('<!--#');
  if (ssi >= 0 && /^<!--#\s*(?:exec|include|echo|config|set|printenv|fsize|flastmod)\b/i.test(value.slice(ssi, ssi + 20))) {
    return finding(RULES.shellSsi, ssi, Math.min(value.length, ssi + 12), [value.slice(ssi, ssi + 10)]);
  }
  reading = M_PLAIN;
  if (lexer.run(value, M_PLAIN, newlineHidden, judge)) return result;
  if (level >= 2 && result === undefined && (lexer.seen & (W_IFS | W_ARITH | W_PARAM_OP)) !== 0) {
    return expansionFinding(value);
  }
  reading = M_SQ;
  if (value.indexOf("'") >= 0 && lexer.run(value, M_SQ, newlineHidden, judge)) return result;
  reading = M_DQ;
  if (value.indexOf('"') >= 0 && lexer.run(value, M_DQ, newlineHidden, judge)) return result;
  return undefined;
}

/** Cheap pre-check: a value without any shell operator, expansion or path can only be a bare command line. */
function worthReading(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // ; | & newline $ ` ( < > { ^ % \ ' "
    if (c === 59 || c === 124 || c === 38 || c === 10 || c === 36 || c === 96 || c === 40 || c === 60 || c === 62 || c === 123 ||
      c === 94 || c === 37 || c === 92 || c === 39 || c === 34) return true;
    if (c === 47 || c === 45) return true; // command lines without operators: nc -e /bin/sh, powershell -enc
  }
  return false;
}

function expansionFinding(value: string): Finding {
  const m = /\$\{?IFS\}?|\$\[|\$\(\(|\$\{\w+[:#%/^,]/.exec(value);
  const at = m?.index ?? 0;
  return finding(RULES.shellExpansion, at, at + (m?.[0].length ?? 1), [m?.[0] ?? '$']);
}

const INTRO_TEXT = ['', ';', '|', '&&', '&', '\\n', '$(', '\\n', '(', '`'];

function decide(rule: Rule, cmd: Command, src: string, argIndex = 1): boolean {
  if (rule.level > level) return false;
  const start = cmd.intro === I_START ? cmd.start[0] as number : Math.min(cmd.introStart, cmd.start[0] as number);
  const last = Math.min(cmd.n - 1, argIndex);
  const end = last >= 0 ? cmd.end[last] as number : cmd.introStart + 1;
  const tokens: string[] = [];
  if (cmd.intro !== I_START) tokens.push(cmd.intro === I_SUBST && src.charCodeAt(cmd.introStart - 1) === 96 ? '`' : INTRO_TEXT[cmd.intro] ?? '');
  for (let i = 0; i <= last; i++) tokens.push(tok(src, cmd.start[i] as number, cmd.end[i] as number));
  if (cmd.redirTarget !== '' && tokens.length < 4) tokens.push(`> ${cmd.redirTarget.slice(0, 24)}`);
  result = finding(rule, Math.max(0, start), Math.max(start, end), tokens);
  return true;
}

function judge(cmd: Command, src: string): boolean {
  if (cmd.n === 0) return false;
  // The words before the quote that breaks out belong to the application's string.
  if (reading !== M_PLAIN && cmd.intro === I_START && cmd.introStart === 0) return false;
  const f0 = cmd.flags[0] as number;
  let text = cmd.text[0] as string;
  if ((f0 & W_VAR) !== 0) text = text.trimStart().split(/\s+/)[0] ?? '';
  let name = basename(text);
  let kind = knownCommand(name);
  let flags = f0;
  if (kind === KNOWN_NONE && ((f0 & (W_ESCAPE | W_CARET | W_QUOTED | W_PCT_VAR)) !== 0 || src.charCodeAt(cmd.start[0] as number) === 64)) {
    // cmd.exe reads C:\Windows\System32\calc.exe, w^ho^ami and "whoami" on its own terms; there a backslash
    // separates folders and quotes are not part of the name, so only its own tricks count as disguise.
    const win = windowsName(src.slice(cmd.start[0] as number, cmd.end[0] as number));
    const k = knownCommand(win);
    if (k !== KNOWN_NONE) { name = win; kind = k; flags = f0 & (W_CARET | W_PCT_VAR | W_EMPTY_EXP); }
  }
  if (kind === KNOWN_NONE && (f0 & W_GLOB) !== 0) {
    const g = globCommand(text);
    if (g !== '') { name = g; kind = KNOWN_STRONG; }
  }
  if (kind === KNOWN_NONE) return false;
  const intro = cmd.intro;
  // Evasions in the command word itself: w'h'oami, c\at, who$@ami, ${u:-cat}, /bi?/ca?, w^h^o^a^m^i, $CMD
  const obfuscated = (flags & OBFUSCATION) !== 0 || ((flags & W_PARAM_OP) !== 0 && name.length > 0);
  // A lone quoted word ("'id'", "cat's") is text; quotes split inside a known program's name are not.
  if (obfuscated && !(intro === I_START && cmd.n === 1 && kind === KNOWN_WEAK && (flags & OBFUSCATION & ~W_QUOTE_INSIDE) === 0)) {
    if (decide(RULES.shellObfuscated, cmd, src)) return true;
  }
  const sensitive = sensitiveArgument(cmd);
  if (sensitive > 0 && decide(RULES.shellSensitive, cmd, src, sensitive)) return true;
  if (windowsShell(name, cmd) && decide(RULES.shellCmdExe, cmd, src)) return true;
  if (powershellHost(name, cmd) && decide(RULES.shellPowerShell, cmd, src)) return true;
  const shaped = shapedArguments(cmd, kind) || (name === 'net' && cmd.n > 1 && NET_VERBS.has((cmd.text[1] as string).toLowerCase()));
  // A command alone at the end of the value, or before another separator: "; id", "|id|", "$(reboot)".
  const alone = cmd.n === 1 && cmd.term !== E_PAREN;
  switch (intro) {
    case I_SEMI: case I_PIPE: case I_AND: case I_NL_HIDDEN: case I_SUBST:
      if (kind === KNOWN_STRONG || shaped || alone) return decide(RULES.shellChained, cmd, src);
      return decide(RULES.shellChainedWord, cmd, src);
    case I_AMP:
      // "&" joins words in text (Tom & Jerry); a command after it needs the shape of one.
      if (shaped || (kind === KNOWN_STRONG && (alone || cmd.n > 1))) return decide(RULES.shellChained, cmd, src);
      return decide(RULES.shellChainedWord, cmd, src);
    case I_CODESPAN:
      // A Markdown code span (`ls -la` after a blank) is documentation unless the words are disguised.
      return shaped ? decide(RULES.shellChainedWord, cmd, src) : false;
    case I_NL_TYPED: case I_GROUP:
      if (shaped && kind === KNOWN_STRONG) return decide(RULES.shellBare, cmd, src);
      return shaped ? decide(RULES.shellChainedWord, cmd, src) : false;
    default: // I_START: the whole value is a command line
      if (shaped && (kind === KNOWN_STRONG || strictlyShaped(cmd) || name === 'net')) return decide(RULES.shellBare, cmd, src);
      return false;
  }
}

/** Lower-case program name: directories and a Windows executable extension removed. */
function basename(word: string): string {
  let w = word;
  const slash = w.lastIndexOf('/');
  if (slash >= 0) w = w.slice(slash + 1);
  w = w.toLowerCase();
  return stripExtension(w);
}

function stripExtension(w: string): string {
  const dot = w.lastIndexOf('.');
  if (dot > 0) {
    const ext = w.slice(dot + 1);
    if (ext === 'exe' || ext === 'com' || ext === 'bat' || ext === 'cmd' || ext === 'ps1') return w.slice(0, dot);
  }
  return w;
}

/** The command word as cmd.exe reads it: carets and quotes dropped, backslash is a directory separator. */
function windowsName(raw: string): string {
  let w = '';
  // "@" before a command turns off its echo in a batch line: @powershell is powershell.
  for (let i = raw.charCodeAt(0) === 64 ? 1 : 0; i < raw.length && w.length < 64; i++) {
    const c = raw.charCodeAt(i);
    if (c === 94 || c === 34 || c === 39) continue;
    if (c === 92 || c === 47) { w = ''; continue; }
    w += raw[i];
  }
  return stripExtension(w.toLowerCase());
}

/** Resolves a globbed command word (`/bi?/ca?`, `/???/??t`, `c*t`) against the programs attackers run. */
function globCommand(text: string): string {
  if (globBudget <= 0) return '';
  const parts = text.split('/');
  const base = parts.pop() ?? '';
  // A pattern must pin the name down: "ca?", "/???/??t", "c*t" do; "*" and "*/*" match anything and are not commands.
  let fixed = 0;
  for (let i = 0; i < base.length; i++) if (base.charCodeAt(i) !== 42) fixed++;
  if (fixed < 2 || !/[a-z0-9]/i.test(base)) return '';
  globBudget--;
  for (const dir of parts) {
    if (dir === '') continue;
    if (!GLOB_DIRS.some((d) => globMatch(dir, d))) return '';
  }
  for (const t of GLOB_TARGETS) if (globMatch(base.toLowerCase(), t)) return t;
  return '';
}

/** Shell pattern matching (* ? [..]) with the usual greedy backtrack on the last '*': O(|p|·|t|) at worst. */
export function globMatch(p: string, t: string): boolean {
  let pi = 0, ti = 0, star = -1, mark = 0;
  while (ti < t.length) {
    work.units++;
    const pc = p.charCodeAt(pi);
    if (pi < p.length && pc === 91) { // [set]
      const close = p.indexOf(']', pi + 1);
      if (close > pi) {
        const set = p.slice(pi + 1, close);
        const neg = set.startsWith('!') || set.startsWith('^');
        const hit = (neg ? set.slice(1) : set).includes(t[ti] as string);
        if (hit !== neg) { pi = close + 1; ti++; continue; }
      }
    } else if (pi < p.length && (pc === 63 || pc === t.charCodeAt(ti))) { pi++; ti++; continue; }
    if (pi < p.length && pc === 42) { star = pi++; mark = ti; continue; }
    if (star >= 0) { pi = star + 1; ti = ++mark; continue; }
    return false;
  }
  while (p.charCodeAt(pi) === 42) pi++;
  return pi === p.length;
}

/** Index of the first argument that names a system file or device (1-based word index), 0 if none. */
function sensitiveArgument(cmd: Command): number {
  if (cmd.redirTarget !== '' && isSensitive(cmd.redirTarget, 0)) return Math.max(1, cmd.n - 1);
  for (let i = 1; i < cmd.n; i++) if (isSensitive(cmd.text[i] as string, cmd.flags[i] as number)) return i;
  return 0;
}

const SENSITIVE_GLOBS = ['/etc/passwd', '/etc/shadow', '/etc/hosts', '/etc/group', '/bin/sh', '/bin/bash', '/proc/self/environ'];

function isSensitive(word: string, flags: number): boolean {
  const w = word.toLowerCase();
  for (const t of SENSITIVE_ARGS) if (w.includes(t)) return true;
  if ((flags & W_GLOB) !== 0 && globBudget > 0 && w.length < 48) {
    globBudget--;
    for (const t of SENSITIVE_GLOBS) if (globMatch(w, t)) return true;
  }
  return false;
}

/** cmd /c, cmd.exe /k, %COMSPEC% /c: a new cmd.exe running what follows. */
function windowsShell(name: string, cmd: Command): boolean {
  if (name !== 'cmd' || cmd.n < 2) return false;
  const a = (cmd.text[1] as string).toLowerCase();
  return a === '/c' || a === '/k' || a === '/r' || a.startsWith('/q');
}

/** `net user`, `net localgroup administrators x /add`: Windows account and share enumeration. */
const NET_VERBS = new Set(['user', 'users', 'localgroup', 'group', 'view', 'share', 'use', 'accounts', 'session', 'start', 'stop']);

const PS_FLAGS = new Set(['-enc', '-e', '-ec', '-encodedcommand', '-encoded', '-c', '-command', '-nop', '-noprofile', '-w',
  '-windowstyle', '-exec', '-executionpolicy', '-ep', '-noni', '-noninteractive', '-sta', '-file', '-f']);

/** powershell / pwsh with the switches of an attack one-liner: -enc <base64>, -nop -w hidden, -ep bypass. */
function powershellHost(name: string, cmd: Command): boolean {
  if (name !== 'powershell' && name !== 'pwsh') return false;
  for (let i = 1; i < cmd.n; i++) if (PS_FLAGS.has((cmd.text[i] as string).toLowerCase())) return true;
  return false;
}

/** Whether the arguments are shaped like a shell command's: options, paths, URLs, numbers at the end, redirections. */
function shapedArguments(cmd: Command, kind: number): boolean {
  if (cmd.redirs > 0) return true;
  for (let i = 1; i < cmd.n; i++) {
    const w = cmd.text[i] as string;
    const fl = cmd.flags[i] as number;
    if ((fl & (W_SUBST | W_EMPTY_EXP | W_IFS | W_PCT_VAR | W_ARITH)) !== 0) return true;
    if (w.length === 0) continue;
    const c = w.charCodeAt(0);
    if (c === 45 && w.length >= 2 && w.charCodeAt(1) !== 32) return true; // -la, --help, -Uri
    if (c === 47 || c === 126 || (c === 46 && (w.charCodeAt(1) === 47 || w.charCodeAt(1) === 46))) return true; // /etc, ~/, ./, ../
    if (c === 92 && w.charCodeAt(1) === 92) return true; // \\host\share
    if (/^[a-z]:[\\/]?/i.test(w) && w.length >= 2 && w.charCodeAt(1) === 58) return true; // C:\ c:/
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(w)) return true; // URLs
    if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/.test(w)) return true; // IPv4
    if (kind === KNOWN_STRONG && (fl & W_QUOTED) !== 0) return true;
    if (/^\d+$/.test(w)) {
      // "sleep 5" ends a command; "sleep 8 hours" is prose.
      if (i === cmd.n - 1 && cmd.more === 0 && (cmd.term === E_END || cmd.term === E_SEP || cmd.term === E_CLOSE)) return true;
    }
  }
  return false;
}

/**
 * For words that are also commands at the start of a value: an option together with a path, or a target only
 * a command takes (an IP address, a URL, a Windows drive path: "ping 10.0.0.1", "type C:\\boot.ini").
 */
function strictlyShaped(cmd: Command): boolean {
  let option = false, target = false;
  for (let i = 1; i < cmd.n; i++) {
    const w = cmd.text[i] as string;
    const raw = w;
    if (w.charCodeAt(0) === 45 && w.length >= 2) option = true;
    else if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|^[a-z][a-z0-9+.-]*:\/\/|^[a-z]:/i.test(raw)) return true;
    else if (w.charCodeAt(0) === 47) target = true;
  }
  return option && target;
}

