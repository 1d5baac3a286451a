/**
 * Server-side code injection: a value that a back end evaluates as JavaScript (eval, vm, node-serialize),
 * PHP (eval, include, unserialize), Java (EL, OGNL, deserialisation) or Python (eval, pickle). We look for
 * what such code must name to do harm — the runtime, the process, the class loader, a shell-out function called
 * with a string — since those names do not occur in ordinary values. A function name alone is not enough
 * ("operating system(s)"): its argument must be a string, a variable or a backtick, as in code.
 */
import { compileNeedles } from './needles.js';
import { indexOfFolded } from './shell/powershell.js';
import { RULES } from './rules.js';
import { finding, tok, type Finding, type Level, type Rule } from './types.js';
import { work } from './work.js';

/** Exact, case-sensitive names (JavaScript, Java and Python are case-sensitive). */
const EXACT: ReadonlyArray<readonly [string, Rule]> = [
  ['child_process', RULES.codeJsRuntime], ['process.mainModule', RULES.codeJsRuntime], ['process.binding(', RULES.codeJsRuntime],
  ['constructor.constructor(', RULES.codeJsRuntime], ["constructor['constructor']", RULES.codeJsRuntime], ['global.process', RULES.codeJsRuntime],
  ['execSync(', RULES.codeJsRuntime], ['spawnSync(', RULES.codeJsRuntime], ['process.kill(', RULES.codeJsRuntime],
  ['process.exit(', RULES.codeJsRuntime], ["require('fs')", RULES.codeJsRuntime], ['require("fs")', RULES.codeJsRuntime],
  ['_$$ND_FUNC$$_', RULES.codeSerialized], ['_$$ND_CC$$_', RULES.codeSerialized],
  ['Runtime.getRuntime(', RULES.codeJava], ['java.lang.Runtime', RULES.codeJava], ['java.lang.ProcessBuilder', RULES.codeJava],
  ['new ProcessBuilder(', RULES.codeJava], ['java.lang.System', RULES.codeJava], ['Class.forName(', RULES.codeJava],
  ['.getClass().forName(', RULES.codeJava], ['javax.script.ScriptEngineManager', RULES.codeJava], ['.classLoader.', RULES.codeJava],
  ['class.module.classLoader', RULES.codeJava], ['java.io.File', RULES.codeJava], ['javax.naming.InitialContext', RULES.codeJava],
  ['@java.lang.', RULES.codeJava], ['#_memberAccess', RULES.codeJava], ['DEFAULT_MEMBER_ACCESS', RULES.codeJava],
  ['__import__(', RULES.codePython], ['os.system(', RULES.codePython], ['os.popen(', RULES.codePython], ['subprocess.', RULES.codePython],
  ['eval(compile(', RULES.codePython], ['__builtins__', RULES.codePython], ['__globals__', RULES.codePython], ['__subclasses__', RULES.codePython],
  ['pickle.loads(', RULES.codePython], ['cPickle', RULES.codePython], ['pty.spawn(', RULES.codePython], ['socket.socket(', RULES.codePython],
  ['Kernel.exec', RULES.codeRuby], ['Kernel.system', RULES.codeRuby], ['Kernel.open', RULES.codeRuby], ['IO.popen', RULES.codeRuby],
  ['Process.spawn', RULES.codeRuby], ['Open3.', RULES.codeRuby], ['.send(:system', RULES.codeRuby], ['%x(', RULES.codeRuby],
  ['while(true)', RULES.codeLoop], ['while (true)', RULES.codeLoop], ['for(;;)', RULES.codeLoop], ['for (;;)', RULES.codeLoop],
];

/** PHP functions (case-insensitive in PHP) that run commands, evaluate code or read files, when called with code. */
const PHP_CALLS = [
  'system', 'exec', 'shell_exec', 'passthru', 'popen', 'proc_open', 'pcntl_exec', 'assert', 'eval', 'create_function',
  'file_get_contents', 'file_put_contents', 'fopen', 'readfile', 'include', 'include_once', 'require_once', 'base64_decode',
  'call_user_func', 'call_user_func_array', 'preg_replace', 'highlight_file', 'show_source', 'phpversion', 'fwrite', 'unserialize',
  'str_rot13', 'gzinflate', 'hex2bin', 'array_map', 'usort', 'mail', 'putenv', 'dl', 'posix_kill',
];

/** PHP superglobals: naming one in a value is PHP code (`${@system($_GET['c'])}`). */
const PHP_GLOBALS = ['$_GET[', '$_POST[', '$_REQUEST[', '$_SERVER[', '$_COOKIE[', '$_FILES[', '$_ENV[', '$GLOBALS['];

/** Every fixed name above in one automaton: one pass over the value. */
const NAMES = compileNeedles([...EXACT.map(([n]) => n), ...PHP_GLOBALS]);

function isIdent(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * The names, tags and serialized forms only code contains: decided before the SQL and shell readings, which
 * would otherwise explain `require('child_process')` as a SQL EXEC. Calls with string arguments come later
 * (detectCodeCalls), after the readings that explain `exec('xp_cmdshell ...')` better.
 */
export function detectCode(value: string, level: Level): Finding | undefined {
  const s = value;
  if (s.length < 4) return undefined;
  // PHP tags: <?php, <?= and "<? " followed by code.
  const tag = s.indexOf('<?');
  if (tag >= 0 && /^<\?(?:php\b|=|\s+\$|\s+[a-z_]+\s*\()/i.test(s.slice(tag, tag + 16))) return finding(RULES.codePhp, tag, tag + 5, [tok(s, tag, tag + 5)]);
  for (let m = NAMES.first(s); m !== undefined; m = NAMES.first(s, m.end)) {
    const rule = m.id < EXACT.length ? (EXACT[m.id] as readonly [string, Rule])[1] : RULES.codePhp;
    if (rule.level <= level) return finding(rule, m.start, m.end, [s.slice(m.start, m.end)]);
  }
  // Serialized objects: Java (base64 rO0AB or hex aced0005 at a token start) and PHP (O:8:"ClassName":1:{).
  const java = javaSerialized(s);
  if (java >= 0) return finding(RULES.codeSerialized, java, java + 5, [tok(s, java, java + 8)]);
  const php = /\b[OC]:\d{1,4}:"[A-Za-z_\\][\w\\]*":\d{1,4}:\{/.exec(s);
  if (php) return finding(RULES.codeSerialized, php.index, php.index + php[0].length, [php[0]]);
  return undefined;
}

/** Calls of command, eval and file functions with code-shaped arguments (PHP, JavaScript). */
export function detectCodeCalls(value: string): Finding | undefined {
  const s = value;
  const paren = s.indexOf('(');
  if (paren < 0) return undefined;
  if (indexOfFolded(s, 'phpinfo(') >= 0) { const at = indexOfFolded(s, 'phpinfo('); return finding(RULES.codePhp, at, at + 8, ['phpinfo(']); }
  // name( followed by a string, a variable, a backtick or a call: code, not prose.
  for (let p = paren; p >= 0; p = s.indexOf('(', p + 1)) {
    let e = p;
    while (e > 0 && s.charCodeAt(e - 1) <= 32) e--;
    let b = e;
    while (b > 0 && isIdent(s.charCodeAt(b - 1))) { b--; work.units++; }
    if (b === e || (b > 0 && (s.charCodeAt(b - 1) === 46 || s.charCodeAt(b - 1) === 36))) continue; // x.system(, $system(
    let a = p + 1;
    while (a < s.length && s.charCodeAt(a) <= 32) a++;
    const arg = s.charCodeAt(a);
    const codeArg = arg === 39 || arg === 34 || arg === 36 || arg === 96;
    const name = s.slice(b, e).toLowerCase();
    if (codeArg && PHP_CALLS.includes(name)) return finding(RULES.codePhp, b, a + 1, [tok(s, b, e), '(', tok(s, a, a + 1)]);
    // eval / Function / setTimeout with a string or a decoder: JavaScript (or PHP) evaluating text.
    if (name === 'eval' || name === 'function' || name === 'settimeout' || name === 'setinterval') {
      const decoder = /^(?:atob|unescape|decodeURI(?:Component)?|String\.fromCharCode|Buffer\.from)\s*\(/i.test(s.slice(a, a + 32));
      if (codeArg || decoder) return finding(RULES.codeEval, b, a + 1, [tok(s, b, e), '(', tok(s, a, a + 1)]);
    }
  }
  return undefined;
}

/** Start of a serialized Java object: base64 rO0AB or hex ACED0005 at the start of a token. */
function javaSerialized(s: string): number {
  for (const magic of ['rO0AB', 'aced0005', 'ACED0005']) {
    const at = s.indexOf(magic);
    if (at >= 0 && (at === 0 || !isIdent(s.charCodeAt(at - 1)))) return at;
  }
  return -1;
}
