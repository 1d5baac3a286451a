/**
 * Path traversal and local file inclusion: "../" segments (after decoding and folding, so %2e%2e%2f, %252e,
 * overlong %c0%af, fullwidth %uff0e and the filter-bypass spellings "....//" and "..;/" are caught), paths to
 * the files attackers read (/etc/passwd, win.ini, /proc/self/environ, WEB-INF/web.xml, .git/config), and PHP
 * stream wrappers that read files or run code. For a value declared as a path, one traversal segment is enough;
 * elsewhere (free text may mention "../README.md") it takes two at the start, three or more, an encoded one, or
 * one that reaches a system file. A system file named inside prose is level 3.
 */
import { RULES } from './rules.js';
import { finding, tok, type Finding, type Level } from './types.js';
import { compileNeedles } from './needles.js';
import { work } from './work.js';

/**
 * Files and folders that traversal payloads aim at (lower case, forward slashes). `/` at the start means the
 * match must begin at a path boundary (start, a separator or punctuation), so "github.com/a/b.git/" does not
 * match "/.git/".
 */
const SENSITIVE = [
  'etc/passwd', 'etc/shadow', 'etc/hosts', 'etc/group', 'etc/issue', 'etc/sudoers', 'etc/master.passwd', 'etc/crontab',
  'etc/motd', 'etc/profile', 'etc/security/', 'etc/mysql/', 'etc/apache2/', 'etc/httpd/', 'etc/nginx/', 'etc/ssh/',
  'proc/self/', 'proc/version', 'proc/cmdline', 'proc/mounts', 'proc/net/', 'win.ini', 'boot.ini', 'system.ini',
  'windows/system32', 'winnt/system32', 'windows/repair', 'system32/', 'inetpub/', 'web-inf/', 'meta-inf/', 'web.config',
  '.htaccess', '.htpasswd', '/.ssh/', 'id_rsa', 'id_dsa', 'id_ecdsa', 'authorized_keys', '/.aws/', '/.git/', '/.svn/',
  '/.env', 'wp-config.php', 'var/log/', '.bash_history', '/.bashrc', '/.profile', '.mysql_history', 'php.ini', 'my.cnf',
  'httpd.conf', 'apache2.conf', 'nginx.conf', 'tomcat-users.xml', 'applicationhost.config', 'var/run/secrets',
  '/.kube/config', '/.docker/config', '/.npmrc', '.pgpass', 'shadow.bak', 'passwd.bak', 'usr/local/etc/',
];

/**
 * Absolute paths into the folders where servers keep their configuration, logs and secrets (the LFI target
 * lists are long; the folders are few). Canonical form: lower case, forward slashes.
 */
const SYSTEM_PATH = /^(?:[a-z]:)?\/(?:etc\/|proc\/|root\/|var\/(?:log|www|lib|mail|spool|adm|db|run|backups|opt|cache)\/|usr\/(?:local\/)?(?:etc|apache\d?|nginx|lib\/php|pkg\/etc)\/|opt\/[^/]+\/(?:logs?|conf|etc)\/|private\/etc\/|windows\/|winnt\/|xampp\/|inetpub\/|apache\d?\/(?:logs|conf)\/|program files[^/]*\/[^/]+\/(?:logs?|conf|data)\/|mysql\/data\/|home\/[^/]+\/\.)/;

const TARGETS = compileNeedles(SENSITIVE);

/** PHP (and other) stream wrappers that read arbitrary files or run code when included. */
const WRAPPERS = ['php://', 'zip://', 'phar://', 'expect://', 'glob://', 'compress.zlib://', 'compress.bzip2://', 'data://',
  'rar://', 'ogg://', 'ssh2.shell://', 'ssh2.exec://', 'file://'];

function isSep(c: number): boolean {
  return c === 47 || c === 92;
}
function isAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

/** Number of traversal segments in s and where the first one starts. */
function traversals(s: string): { count: number; first: number; atStart: boolean } {
  let count = 0;
  let first = -1;
  let atStart = false;
  const n = s.length;
  for (let i = s.indexOf('..'); i >= 0 && i < n; i = s.indexOf('..', i + 1)) {
    const p = i === 0 ? 47 : s.charCodeAt(i - 1);
    if (!(isSep(p) || p === 61 || p === 58 || p === 34 || p === 39 || p === 32 || p === 46 || p === 0 || p === 63 || p === 59)) continue;
    let j = i + 2;
    work.units++;
    while (s.charCodeAt(j) === 46) { j++; work.units++; } // "...." folds to ".." once a filter strips "../"
    if (s.charCodeAt(j) === 59) j++; // "..;/" (Tomcat path parameters)
    // Every '..' inside this run of dots ends at the same j: skip the run (keeps the scan linear).
    if (j < n && !isSep(s.charCodeAt(j))) { i = j - 1; continue; }
    if (count === 0) { first = i; atStart = s.slice(0, i).trim().replace(/^(?:file:|[\\/.])+/i, '').length === 0; }
    count++;
    i = j;
  }
  return { count, first, atStart };
}

/** Lower-case, '\' as '/', doubled separators folded ("..//..//etc//passwd", "windows\\\\win.ini"). */
function canonical(s: string): string {
  let plain = true;
  for (let i = 0; i < s.length && plain; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c === 92 || (c === 47 && s.charCodeAt(i + 1) === 47)) plain = false;
  }
  if (plain) return s;
  let out = '';
  let prevSep = false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c === 92) c = 47;
    if (c === 47) { if (prevSep) continue; prevSep = true; out += '/'; continue; }
    prevSep = false;
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

/**
 * The first sensitive target in a canonical path: its index and length, or -1. `loose` (a value without blanks)
 * drops the boundary before longer targets: fuzzers glue them to undecodable junk ("%c0%qfboot.ini").
 */
function sensitiveIndex(low: string, loose = false): { at: number; len: number } {
  for (let m = TARGETS.first(low); m !== undefined; m = TARGETS.first(low, m.end)) {
    const t = SENSITIVE[m.id] as string;
    const k = m.start;
    // A boundary before the match: start, a separator, or punctuation left by an encoding ("%c0%afetc/passwd").
    const before = k === 0 ? 47 : low.charCodeAt(k - 1);
    const boundary = t.charCodeAt(0) === 47 || t.charCodeAt(0) === 46 || !isAlnum(before) || (loose && t.length >= 7);
    const tail = t.charCodeAt(t.length - 1) === 47 || m.end >= low.length || !isAlnum(low.charCodeAt(m.end));
    if (boundary && tail) return { at: k, len: t.length };
  }
  return NONE;
}

const NONE = { at: -1, len: 0 };

/**
 * @param raw the value before decoding: a traversal that only appears after decoding was hidden on purpose.
 * @param isPath the contract declares the value as a path or file name.
 */
export function detectPathTraversal(value: string, raw: string, isPath: boolean, level: Level): Finding | undefined {
  const t = traversals(value);
  if (t.count > 0) {
    const hidden = raw !== value && traversals(raw).count < t.count;
    const target = sensitiveIndex(canonical(value.slice(t.first))).at;
    if (isPath || hidden || (t.atStart && t.count >= 2) || t.count >= 3 || target >= 0) {
      return finding(RULES.pathTraversal, t.first, Math.min(value.length, t.first + 64), [tok(value, t.first, Math.min(value.length, t.first + 24))]);
    }
  }
  const v = value.trimStart();
  const offset = value.length - v.length;
  const low = v.slice(0, 16).toLowerCase();
  for (const w of WRAPPERS) {
    if (!low.startsWith(w)) continue;
    // file:// names a local file; reading one is the attack only at level 2 (APIs pass file URLs around).
    if (w === 'file://' && (level < 2 || !/^file:\/\/(?:localhost)?\/|^file:\/\/[a-z]:/i.test(v))) break;
    return finding(w === 'file://' ? RULES.pathFileUrl : RULES.pathWrapper, offset, offset + w.length, [w]);
  }
  const blank = /\s/.test(v);
  const canon = canonical(v);
  const s = sensitiveIndex(canon, !blank);
  if (s.at >= 0) {
    // A path to a system file as the value (or inside a path-shaped value): /etc/passwd, C:\Windows\win.ini.
    if (!blank || isPath) return finding(RULES.pathSensitiveFile, offset, offset + Math.min(v.length, s.at + s.len), [tok(v, 0, Math.min(v.length, s.at + s.len))]);
    if (level >= 3) return finding(RULES.pathProse, offset + s.at, offset + s.at + s.len, [tok(v, s.at, s.at + s.len)]);
  }
  if (level >= 2 && !blank) {
    const m = SYSTEM_PATH.exec(canon);
    if (m) return finding(RULES.pathSystemFolder, offset, offset + m[0].length, [m[0]]);
  }
  const nul = value.indexOf('\0');
  if (nul >= 0 && (isPath || /^\.[a-z0-9]{1,5}$/i.test(value.slice(nul + 1, nul + 7)))) {
    return finding(RULES.pathNulByte, Math.max(0, nul - 16), nul + 1, ['\\0']);
  }
  return undefined;
}

/**
 * A request path that names a file no server should hand out: dot-files and folders (.git, .env, .htaccess,
 * .ssh...; /.well-known/ is the public exception), servlet internals (WEB-INF, META-INF), editor and backup
 * copies of server-side code. Judged on the decoded path, segment by segment.
 */
export function restrictedPath(path: string): Finding | undefined {
  const segs = path.split(/[\\/]/);
  for (let i = 0; i < segs.length; i++) {
    const seg = (segs[i] as string).toLowerCase();
    if (seg.length < 2) continue;
    const restricted = (seg.charCodeAt(0) === 46 && seg !== '..' && seg !== '.well-known' && isAlnum(seg.charCodeAt(1))) ||
      seg === 'web-inf' || seg === 'meta-inf' || /\.(?:php|asp|aspx|jsp|config|conf|ini|sql|env|yml|yaml)(?:\.(?:bak|old|orig|save|swp|tmp|dist)|~)$/.test(seg) ||
      seg === 'web.config' || seg === 'wp-config.php';
    if (restricted) {
      const at = path.toLowerCase().indexOf(seg);
      return finding(RULES.pathRestricted, at, at + seg.length, [segs[i] as string]);
    }
  }
  return undefined;
}
