/**
 * OS command injection: a shell separator (; | & && || newline) or a substitution ($(...), `...`) followed by
 * a command. Commands that are also English words (cat, find, more, sleep...) count only when followed by
 * something shaped like a shell argument (an option, a path, a number, a redirection) or by the end after
 * an unambiguous separator, so "rock & roll" and "fish; more to come" pass. Quote and backslash tricks
 * inside the command word (w'h'oami, c\at) and ${IFS} are folded first. Single pass: linear time.
 */
import { fragmentOf } from './types.js';

const COMMANDS = new Set((
  'whoami uname ifconfig ipconfig wget curl nc ncat netcat bash sh zsh ksh csh dash tcsh fish python python2 python3 ' +
  'perl ruby php lua powershell pwsh cmd nslookup telnet ssh scp tftp ftp chmod chown chgrp rm rmdir mkfifo mknod ' +
  'certutil bitsadmin busybox systeminfo tasklist taskkill netstat xterm sudo useradd usermod crontab nohup base64 xxd ' +
  'hexdump awk gawk sed xargs socat openssl ls pwd printenv getent nmap wmic mshta rundll32 regsvr32 cscript wscript ' +
  'grep egrep uname hostname ifconfig passwd shutdown reboot killall pkill tar unzip gcc'
).split(' '));

/** Commands that are also words of ordinary text: they need an argument-shaped follower. */
const AMBIGUOUS = new Set((
  'cat id more less head tail find sort type dir net echo ping sleep kill who set time date which env file man top ' +
  'last touch wc cut tr uniq tee ps od dig node reg source su mail print start call copy del move ren ver vol path eval exec'
).split(' '));

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** Length of a ${IFS} / $IFS spelling of a blank at i, 0 if none. */
function ifsAt(s: string, i: number): number {
  if (s.startsWith('${IFS}', i)) return 6;
  if (s.startsWith('$IFS', i) && !isWordChar(s.charCodeAt(i + 4))) return 4;
  return 0;
}

function skipBlanks(s: string, i: number): number {
  for (;;) {
    if (isBlank(s.charCodeAt(i))) { i++; continue; }
    const f = ifsAt(s, i);
    if (f > 0) { i += f; continue; }
    return i;
  }
}

const W_MAX = 24;

/**
 * Reads a command word at i: optional path (/usr/bin/), letters with quotes and backslashes removed.
 * Returns [end, word] packed: word is left in `lastWord`.
 */
let lastWord = '';
function readCommand(s: string, i: number): number {
  let j = i;
  let word = '';
  const n = s.length;
  while (j < n && word.length <= W_MAX) {
    const c = s.charCodeAt(j);
    if (c === 39 || c === 34 || c === 92) { j++; continue; } // w'h'oami, c\at, "ls"
    if (c === 47) { word = ''; j++; continue; } // /bin/cat -> cat
    if (!isWordChar(c)) break;
    word += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
    j++;
  }
  if (word.endsWith('.exe')) word = word.slice(0, -4);
  lastWord = word;
  return j;
}

/** Whether what follows the command at i looks like a shell argument or the end of a command. */
function argumentFollows(s: string, i: number, endOk: boolean): boolean {
  const j = skipBlanks(s, i);
  if (j >= s.length) return endOk;
  const c = s.charCodeAt(j);
  if (j === i && !(c === 59 || c === 124 || c === 38 || c === 96 || c === 41 || c === 60 || c === 62 || c === 10)) {
    return ifsAt(s, i) > 0;
  }
  // option, path, home, variable, windows path or env var, number, quote, redirection, next separator
  if (c === 45 || c === 47 || c === 46 || c === 126 || c === 36 || c === 92 || c === 37 || c === 34 || c === 39 ||
    c === 60 || c === 62 || c === 124 || c === 59 || c === 38 || c === 96 || c === 41 || c === 10) return true;
  if (c >= 48 && c <= 57) {
    // "sleep 5", "sleep 5;": a number ends the command; "sleep 8 hours" is prose.
    let k = j;
    while (k < s.length && ((s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) || s.charCodeAt(k) === 46)) k++;
    const after = skipBlanks(s, k);
    if (after >= s.length) return true;
    const e = s.charCodeAt(after);
    return e === 59 || e === 124 || e === 38 || e === 96 || e === 41 || e === 35 || e === 10 || e === 62 || e === 45;
  }
  // C:\ ...
  const d = s.charCodeAt(j + 1);
  return ((c | 32) >= 97 && (c | 32) <= 122) && d === 58 && (s.charCodeAt(j + 2) === 92 || s.charCodeAt(j + 2) === 47);
}

/**
 * @param newlineSeparates whether a newline in the value ends a command: true when the newline was hidden
 *   by an encoding (%0a), false for multi-line text typed by a person.
 */
export function detectCommand(value: string, newlineSeparates = true): string | undefined {
  const s = value;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let start = -1;
    let strongSep = true; // separators after which a bare command at the end counts
    let backtick = false;
    if (c === 59 || c === 124) start = i + 1; // ; |
    else if (c === 38) { start = i + 1; strongSep = s.charCodeAt(i + 1) === 38 || s.charCodeAt(i - 1) === 38; } // & &&
    else if (c === 10) { start = i + 1; strongSep = newlineSeparates; }
    else if (c === 36 && s.charCodeAt(i + 1) === 40) start = i + 2; // $(
    else if (c === 96) {
      // Markdown code spans (` after a blank) are documentation, `id` glued to other text is a substitution.
      const p = i === 0 ? 32 : s.charCodeAt(i - 1);
      if (!(isBlank(p) || p === 10 || p === 40) || i === 0) { start = i + 1; backtick = true; }
    }
    if (start < 0) continue;
    let j = start;
    while (j < n && (s.charCodeAt(j) === 124 || s.charCodeAt(j) === 38 || s.charCodeAt(j) === 59)) j++;
    // The rest of a run of separators leads to the same command: skip it (keeps the scan linear).
    if (!backtick && c !== 36) i = Math.max(i, j - 1);
    j = skipBlanks(s, j);
    while (j < n && (s.charCodeAt(j) === 40 || s.charCodeAt(j) === 123)) j++; // (cmd) {cmd,arg}
    const end = readCommand(s, j);
    const word = lastWord;
    if (word.length === 0) continue;
    if (COMMANDS.has(word)) {
      // After a typed line break only a command with an argument counts: multi-line text is common.
      const typedLine = c === 10 && !newlineSeparates;
      if (argumentFollows(s, end, !typedLine) || (!typedLine && (isBlank(s.charCodeAt(end)) || s.charCodeAt(end) === 44))) {
        return fragmentOf(s, i, end + 24);
      }
    } else if (word === 'net' && /^\s+(?:user|localgroup|view|share|use|group|accounts)\b/i.test(s.slice(end, end + 16))) {
      return fragmentOf(s, i, end + 24); // Windows account and share enumeration
    } else if (AMBIGUOUS.has(word)) {
      if (argumentFollows(s, end, strongSep || backtick)) return fragmentOf(s, i, end + 24);
    }
  }
  return undefined;
}
