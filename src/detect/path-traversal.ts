/**
 * Path traversal: "../" segments (after decoding, so %2e%2e%2f, %252e and overlong %c0%af are caught, as are
 * the filter-bypass spellings "....//" and "..;/") and absolute paths to files an attacker wants.
 * For a value declared as a path, one traversal segment is enough; elsewhere (free text may mention
 * "../README.md") it takes two traversal segments at the start of the value, three or more segments, an encoded
 * traversal, or one that reaches a sensitive file.
 */
import { fragmentOf } from './types.js';

/** Files and folders that traversal payloads aim at (lower case, forward slashes). */
const SENSITIVE = [
  'etc/passwd', 'etc/shadow', 'etc/hosts', 'etc/group', 'etc/issue', 'etc/sudoers', 'proc/self/', 'proc/version',
  'win.ini', 'boot.ini', 'system32/', 'windows/system', 'web-inf/', 'web.config', '.htaccess', '.htpasswd',
  '.ssh/', 'id_rsa', '.aws/credentials', '.git/config', '.env', 'wp-config.php', 'var/log/', 'php://', '.bash_history',
];

function isSep(c: number): boolean {
  return c === 47 || c === 92;
}

/** Number of traversal segments in s and where the first one starts. */
function traversals(s: string): { count: number; first: number; atStart: boolean } {
  let count = 0;
  let first = -1;
  let atStart = false;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) !== 46 || s.charCodeAt(i + 1) !== 46) continue;
    const p = i === 0 ? 47 : s.charCodeAt(i - 1);
    if (!(isSep(p) || p === 61 || p === 58 || p === 34 || p === 39 || p === 32 || p === 46 || p === 0)) continue;
    let j = i + 2;
    while (s.charCodeAt(j) === 46) j++; // "...." folds to ".." once a filter strips "../"
    if (s.charCodeAt(j) === 59) j++; // "..;/" (Tomcat path parameters)
    if (j < n && !isSep(s.charCodeAt(j))) continue;
    if (count === 0) { first = i; atStart = s.slice(0, i).trim().replace(/^(?:file:|[\\/])+/i, '').length === 0; }
    count++;
    i = j;
  }
  return { count, first, atStart };
}

function sensitiveIndex(s: string): number {
  const low = s.toLowerCase().replace(/\\/g, '/');
  for (const t of SENSITIVE) {
    const k = low.indexOf(t);
    if (k >= 0) return k;
  }
  return -1;
}

/**
 * @param raw the value before decoding: a traversal that only appears after decoding was hidden on purpose.
 * @param isPath the contract declares the value as a path or file name.
 */
export function detectPathTraversal(value: string, raw: string, isPath: boolean): string | undefined {
  const t = traversals(value);
  if (t.count > 0) {
    const hidden = raw !== value && traversals(raw).count < t.count;
    const target = sensitiveIndex(value.slice(t.first));
    if (isPath || hidden || (t.atStart && t.count >= 2) || t.count >= 3 || target >= 0) {
      return fragmentOf(value, t.first, t.first + 64);
    }
  }
  // An absolute path to a sensitive file as the whole value: /etc/passwd, C:\Windows\win.ini, file:///etc/shadow
  const v = value.trimStart();
  const c = v.charCodeAt(0);
  const absolute = isSep(c) || c === 126 || /^[a-z]:[\\/]/i.test(v) || /^file:/i.test(v);
  if (absolute && v.indexOf(' ') < 0) {
    const k = sensitiveIndex(v);
    if (k >= 0) return fragmentOf(v, 0, Math.max(k + 16, 32));
  }
  if (isPath && value.indexOf('\0') >= 0) return fragmentOf(value, Math.max(0, value.indexOf('\0') - 32), value.indexOf('\0') + 1);
  return undefined;
}
