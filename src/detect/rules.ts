/**
 * Every decision rule of the injection detectors, with its paranoia level. One table so that the levels are
 * reviewed together, docs/abuse-protection.md lists them (a test keeps the two in step), and a detection names
 * the rule that decided. Level 1 rules fire on shapes ordinary values do not take; higher levels trade false
 * positives for evasions.
 */
import type { Category, Level, Rule } from './types.js';

function r(id: string, category: Category, level: Level, reason: string): Rule {
  return Object.freeze({ id, category, level, reason });
}

export const RULES = {
  // SQL (sql/judge.ts): the value read as the continuation of a number, of a quoted string, or of an expression.
  sqlUnion: r('sqli.union-select', 'sqli', 1, 'UNION [ALL|DISTINCT] SELECT in a reading of the value as SQL'),
  sqlStacked: r('sqli.stacked-query', 'sqli', 1, 'a second statement after ";" that parses to the end of the value'),
  sqlDelay: r('sqli.time-delay', 'sqli', 1, 'a time-delay call (SLEEP, BENCHMARK, PG_SLEEP, WAITFOR DELAY, DBMS_LOCK.SLEEP...) in valid SQL'),
  sqlDanger: r('sqli.dangerous-function', 'sqli', 1, 'a file, command or error-extraction function (LOAD_FILE, XP_CMDSHELL, EXTRACTVALUE...) in valid SQL'),
  sqlTautology: r('sqli.tautology', 'sqli', 1, 'a closed literal followed by a logic operator and a comparison of literals (\' OR 1=1)'),
  sqlLiteralOp: r('sqli.literal-operator', 'sqli', 1, 'a closed string followed by an operator and another literal (\'a\'=\'a, \'||\'x)'),
  sqlComment: r('sqli.comment-truncation', 'sqli', 1, 'a closed string followed by a comment that hides the rest of the query (admin\'-- )'),
  sqlColumnProbe: r('sqli.column-probe', 'sqli', 1, 'ORDER BY / GROUP BY / HAVING right after a literal (column-count probing)'),
  sqlSubquery: r('sqli.subquery', 'sqli', 1, 'an operator followed by a parenthesised SELECT'),
  sqlSysVar: r('sqli.system-variable', 'sqli', 1, 'a system variable (@@version, @@hostname) in valid SQL'),
  sqlProcedure: r('sqli.procedure', 'sqli', 1, 'EXEC of a system procedure or DECLARE of a variable (SQL Server batches)'),
  sqlSignals: r('sqli.signals', 'sqli', 1, 'valid SQL carrying two independent signals (comparison, SQL function, clause, comment, variable...)'),
  sqlContinuation: r('sqli.continuation', 'sqli', 1, 'a value that starts by continuing an expression with a logic operator and a comparison of literals ( OR 1=1)'),
  sqlWeakComment: r('sqli.weak-comment', 'sqli', 2, 'a closed string followed by an empty dialect comment (admin\'#, x\' --+)'),
  sqlFunction: r('sqli.sql-function', 'sqli', 2, 'a SQL-only function (VERSION(), DATABASE(), CHAR(), SUBSTRING()) in valid SQL after a break'),
  sqlLogic: r('sqli.logic-literal', 'sqli', 2, 'a logic operator joining a literal in valid SQL ( AND 1, \' OR true)'),
  sqlStatement: r('sqli.statement', 'sqli', 2, 'the value is a whole SQL statement that parses to its end (SELECT current_user;)'),
  sqlSingleSignal: r('sqli.single-signal', 'sqli', 3, 'valid SQL after a broken-out quote carrying one signal'),
  sqlQuoteProbe: r('sqli.quote-probe', 'sqli', 4, 'a quote followed by a SQL operator or literal (1\'1, \'&\')'),

  // NoSQL (nosql.ts)
  nosqlOperator: r('nosqli.operator', 'nosqli', 1, 'a query operator ($ne, $gt, $where...) as a key or in a string that becomes one'),
  nosqlWhereJs: r('nosqli.where-javascript', 'nosqli', 1, 'JavaScript for a $where clause that breaks out of a string (\' || \'1\'==\'1)'),

  // Shell (shell/): POSIX sh, cmd.exe and PowerShell read as their interpreters read them.
  shellChained: r('cmdi.chained-command', 'cmdi', 1, 'a command separator or substitution (; | && || newline $( ` ) followed by a known command'),
  shellObfuscated: r('cmdi.obfuscated-command', 'cmdi', 1, 'a command word hidden by quotes, escapes, empty expansions, $IFS or globbing that resolves to a known command'),
  shellSensitive: r('cmdi.sensitive-argument', 'cmdi', 1, 'a command whose argument is a system file or device (/etc/passwd, /dev/tcp/...)'),
  shellShock: r('cmdi.shellshock', 'cmdi', 1, 'a function definition prefix that bash imports from the environment (() { :; };)'),
  shellCmdExe: r('cmdi.windows-command', 'cmdi', 1, 'cmd.exe: a separator followed by a Windows command, cmd /c, %COMSPEC%, caret-escaped command words'),
  shellPowerShell: r('cmdi.powershell', 'cmdi', 1, 'PowerShell: a cmdlet or alias invocation with arguments (iwr, iex, Invoke-WebRequest...), -EncodedCommand, .NET download cradles'),
  shellSsi: r('cmdi.server-side-include', 'cmdi', 1, 'a server-side include directive (<!--#exec cmd=...-->, <!--#include ...-->)'),
  shellExpansion: r('cmdi.shell-expansion', 'cmdi', 2, 'shell expansion syntax that text does not use: $IFS, ${...} operators, $[...], brace expansion of a command'),
  shellBare: r('cmdi.bare-command', 'cmdi', 2, 'the whole value is a command line: a known command with shell-shaped arguments (ls -la /, nc -lvp 4444)'),
  shellChainedWord: r('cmdi.chained-word', 'cmdi', 3, 'a command separator followed by a command name that is also a word (; more, | sort)'),

  // Script injection (html/)
  xssScriptElement: r('xss.script-element', 'xss', 1, 'an element that runs or loads script (<script>, <iframe>, <object>, <svg>...), namespaced or not'),
  xssEventHandler: r('xss.event-handler', 'xss', 1, 'an event-handler attribute (onerror=, onload=...) inside a tag or after an attribute break'),
  xssScriptUrl: r('xss.script-url', 'xss', 1, 'a javascript:/vbscript: URL or a data: URL carrying HTML or SVG, after entity and whitespace folding'),
  xssCss: r('xss.css-script', 'xss', 1, 'CSS that runs or loads script: expression(), url(javascript:), behavior, -moz-binding, @import'),
  xssMarkupDeclaration: r('xss.markup-declaration', 'xss', 1, 'a processing instruction, conditional comment or DTD entity declaration'),
  xssJsBreakout: r('xss.js-breakout', 'xss', 1, 'a quote or </script> closing a JavaScript string followed by a call or assignment (\';alert(1)//)'),
  xssJsSink: r('xss.js-sink', 'xss', 2, 'JavaScript reaching a script sink (eval, document.cookie, document.write, location=, fromCharCode...)'),
  xssUtf7: r('xss.utf7', 'xss', 2, 'UTF-7 encoded markup (+ADw-script+AD4-)'),
  xssUnknownHandler: r('xss.unknown-handler', 'xss', 2, 'an attribute shaped like an event handler (on + letters =) that is not a known one'),
  xssActiveTag: r('xss.active-tag', 'xss', 2, 'an element that acts without script: submits, navigates, restyles, takes input or hosts SVG/MathML (<form>, <meta>, <style>, <svg>)'),
  xssAnyTag: r('xss.html-tag', 'xss', 3, 'any HTML element, or a namespaced element with attributes, in a value'),

  // Path traversal and local file inclusion (path-traversal.ts)
  pathTraversal: r('path-traversal.dot-segments', 'path-traversal', 1, 'parent-directory segments (../, ..\\, encoded or folded) that climb out of a folder'),
  pathSensitiveFile: r('path-traversal.system-file', 'path-traversal', 1, 'a path to a system file or folder (/etc/passwd, win.ini, /proc/self/, WEB-INF/)'),
  pathWrapper: r('path-traversal.stream-wrapper', 'path-traversal', 1, 'a stream wrapper that reads files or runs code (php://filter, zip://, expect://, phar://)'),
  pathFileUrl: r('path-traversal.file-url', 'path-traversal', 2, 'a file:// URL naming a local path'),
  pathRestricted: r('path-traversal.restricted-file', 'path-traversal', 1, 'a request path naming a file the server must never serve (/.git/, /.env, /.htaccess, WEB-INF)'),
  pathSystemFolder: r('path-traversal.system-folder', 'path-traversal', 2, 'an absolute path into the folders that hold system configuration, logs and secrets (/etc/, /var/log/, C:\\Windows\\)'),
  pathNulByte: r('path-traversal.nul-byte', 'path-traversal', 1, 'a NUL byte in a path value (truncates the extension the server appends)'),
  pathProse: r('path-traversal.mentioned-file', 'path-traversal', 3, 'a system file path mentioned inside text'),

  // SSRF (ssrf.ts)
  ssrfMetadata: r('ssrf.metadata-address', 'ssrf', 1, 'a URL to a cloud metadata service, or an internal address spelt to evade filters (2130706433, 0x7f.1, [::ffff:127.0.0.1])'),
  ssrfInternal: r('ssrf.internal-address', 'ssrf', 1, 'a URL field the server will fetch pointing to loopback, private or link-local addresses'),
  ssrfInternalText: r('ssrf.internal-url', 'ssrf', 2, 'a value that is a URL to a loopback, private or link-local address (outside a declared URL field)'),
  ssrfScheme: r('ssrf.scheme', 'ssrf', 1, 'a URL with a scheme that reaches other protocols (gopher:, dict:, file:...)'),

  // Prototype pollution (prototype.ts)
  protoKey: r('prototype-pollution.key', 'prototype-pollution', 1, 'a key or property path through __proto__ or constructor.prototype'),

  // Server-side template and expression-language injection (template.ts)
  sstiProbe: r('ssti.arithmetic-probe', 'ssti', 1, 'template delimiters around arithmetic on literals ({{7*7}}, ${7*7}, <%= 7*7 %>)'),
  sstiObjectWalk: r('ssti.object-walk', 'ssti', 1, 'a template expression walking to classes, globals or the runtime (__class__, getRuntime(), T(java.lang...))'),
  sstiDirective: r('ssti.directive', 'ssti', 1, 'a template directive that imports, executes or defines (<#assign ...?new()>, #set($x=...), {% import %}, {php})'),
  sstiCall: r('ssti.call', 'ssti', 2, 'a template expression that calls a method ({{config.items()}}, ${x.y()})'),
  sstiExpression: r('ssti.expression', 'ssti', 3, 'a template expression with an operator'),

  // JNDI lookups (jndi.ts)
  jndiLookup: r('jndi.lookup', 'jndi', 1, 'a Log4j ${jndi:...} lookup after resolving nested ${::-x}, ${lower:x}, ${env:X:-x} spellings'),
  jndiNested: r('jndi.nested-lookup', 'jndi', 1, 'a lookup whose name is built from nested lookups (${${::-j}...})'),
  jndiLookupOther: r('jndi.lookup-prefix', 'jndi', 2, 'a Log4j lookup that reads the environment or system (${env:...}, ${sys:...}, ${java:...})'),

  // Server-side code (code.ts)
  codeJsRuntime: r('code.javascript-runtime', 'code', 1, 'JavaScript reaching the Node.js runtime (require(\'child_process\'), process.mainModule, constructor.constructor)'),
  codePhp: r('code.php', 'code', 1, 'PHP code: an opening tag, or a call of a command, eval or file function (system(), passthru(), phpinfo())'),
  codeJava: r('code.java', 'code', 1, 'Java reaching the runtime or class loader (Runtime.getRuntime().exec, ProcessBuilder, class.module.classLoader)'),
  codePython: r('code.python', 'code', 1, 'Python reaching the interpreter (__import__(), os.system, subprocess, eval(compile(...)))'),
  codeSerialized: r('code.serialized-object', 'code', 1, 'a serialized object (Java rO0AB / aced0005, PHP O:8:"..." , node-serialize _$$ND_FUNC$$_)'),
  codeEval: r('code.eval', 'code', 1, 'eval, Function or setTimeout called with a string literal or a decoder (atob, fromCharCode, unescape)'),
  codeLoop: r('code.endless-loop', 'code', 2, 'a loop that never ends (while(true), for(;;)): a denial of service in evaluated code'),
  codeRuby: r('code.ruby', 'code', 2, 'Ruby reaching the process (Kernel.exec, IO.popen, %x(...), Process.spawn)'),
} as const;

export type RuleName = keyof typeof RULES;

export const ALL_RULES: readonly Rule[] = Object.values(RULES);
