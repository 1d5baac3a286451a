/**
 * A shell tokenizer that reads a value the way /bin/sh would (and, where they differ, the way cmd.exe and
 * PowerShell would): quotes and backslashes removed from words, $IFS taken as a blank, unknown expansions as
 * empty, ${x:-word} as its default, $'..' decoded, brace expansion split, $( ), ` `, <( ) opening nested
 * commands, redirections and their targets kept apart, cmd's ^ escape and %VAR% expansion folded. It hands
 * every simple command (its introducing operator and first words, with flags that record how each word was
 * spelt) to a judge, which may stop the scan. Written by hand because no shell parser is made to read hostile
 * fragments leniently in linear time. One left-to-right pass per reading; nesting is bounded by MAX_DEPTH.
 */

import { work } from '../work.js';

// How a word was spelt (flags).
export const W_QUOTE_INSIDE = 1; // a quote opens or closes inside the word: w'h'oami, "c"at
export const W_ESCAPE = 2; // a backslash escape in the word: c\at, \ls
export const W_EMPTY_EXP = 4; // an expansion we read as empty: $u, $@, ${x}
export const W_IFS = 8; // $IFS or ${IFS} used as a blank
export const W_GLOB = 16; // unquoted * ? [ ]
export const W_SUBST = 32; // a $( ) or ` ` inside the word
export const W_ARITH = 64; // $(( )) or $[ ]
export const W_BRACE = 128; // brace expansion {a,b}
export const W_CARET = 256; // cmd.exe's ^ escape: w^hoami
export const W_PCT_VAR = 512; // cmd.exe's %VAR%
export const W_QUOTED = 1024; // a quoted part
export const W_PARAM_OP = 2048; // ${x:0:1}, ${x//a/b}, ${x:-y}
export const W_VAR = 4096; // the word is one $NAME expansion
export const W_ANSI = 8192; // $'..' with escapes

// What introduced a command.
export const I_START = 0, I_SEMI = 1, I_PIPE = 2, I_AND = 3, I_AMP = 4, I_NL_HIDDEN = 5, I_NL_TYPED = 6, I_SUBST = 7,
  I_GROUP = 8, I_CODESPAN = 9;
// What ended it.
export const E_END = 0, E_SEP = 1, E_CLOSE = 2, E_PAREN = 3;

export const MAX_WORDS = 8;
const MAX_DEPTH = 8;
const WORD_MAX = 96;

/** Where a reading starts: outside quotes, or inside a string the application opened. */
export const M_PLAIN = 0, M_SQ = 1, M_DQ = 2;

/** One simple command, reused (fixed shape). */
export class Command {
  intro = I_START;
  introStart = 0;
  n = 0;
  readonly text: string[] = new Array<string>(MAX_WORDS).fill('');
  readonly flags = new Int32Array(MAX_WORDS);
  readonly start = new Int32Array(MAX_WORDS);
  readonly end = new Int32Array(MAX_WORDS);
  redirs = 0;
  redirTarget = '';
  term = E_END;
  /** Words beyond MAX_WORDS, counted only. */
  more = 0;

  reset(intro: number, at: number): void {
    this.intro = intro;
    this.introStart = at;
    this.n = 0;
    this.redirs = 0;
    this.redirTarget = '';
    this.term = E_END;
    this.more = 0;
  }
}

/** Returns true to stop the scan (a decision was made). */
export type CommandJudge = (cmd: Command, src: string) => boolean;

const PCT_VARS: Readonly<Record<string, string>> = {
  comspec: 'cmd.exe', systemroot: 'c:\\windows', windir: 'c:\\windows', programfiles: 'c:\\program files',
  systemdrive: 'c:', public: 'c:\\users\\public', temp: 'c:\\temp', tmp: 'c:\\temp',
};

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

interface Frame {
  cmd: Command;
  word: string;
  flags: number;
  wordStart: number;
  inWord: boolean;
  /** Flags for the next word ($IFS before it). */
  carry: number;
  pendingRedir: boolean;
  /** What closes this frame: 41 ')' or 96 '`'. */
  closer: number;
  /** The frame was opened inside a double-quoted string: return into it. */
  inDq: boolean;
}

export class ShellLexer {
  private src = '';
  private pos = 0;
  private frames: Frame[] = [];
  private depth = 0;
  private f!: Frame;
  private judge!: CommandJudge;
  private stopped = false;
  private newlineHidden = true;
  /** The flags of every word of the reading, or-ed: expansion syntax anywhere in the value. */
  seen = 0;
  /** NAME=value assignments seen in this reading (a few): `CMD=$'id';$CMD`. */
  readonly vars = new Map<string, string>();

  constructor() {
    for (let i = 0; i <= MAX_DEPTH; i++) {
      this.frames.push({ cmd: new Command(), word: '', flags: 0, wordStart: 0, inWord: false, carry: 0, pendingRedir: false, closer: 0, inDq: false });
    }
  }

  /** Reads `src` from `mode` (outside quotes or inside an opened string); calls `judge` per command. */
  run(src: string, mode: number, newlineHidden: boolean, judge: CommandJudge): boolean {
    this.src = src;
    this.pos = 0;
    this.depth = 0;
    this.judge = judge;
    this.stopped = false;
    this.newlineHidden = newlineHidden;
    this.seen = 0;
    this.vars.clear();
    this.f = this.frames[0] as Frame;
    this.open(this.f, I_START, 0, 0, false);
    if (mode === M_SQ) this.singleQuoted();
    else if (mode === M_DQ) this.doubleQuoted();
    while (!this.stopped && this.pos < src.length) this.step();
    // Close whatever is open at the end: an unterminated $( still ran its command.
    while (!this.stopped && this.depth > 0) this.closeFrame(E_END);
    if (!this.stopped) this.endCommand(E_END, I_START);
    return this.stopped;
  }

  private open(f: Frame, intro: number, at: number, closer: number, inDq: boolean): void {
    f.cmd.reset(intro, at);
    f.word = '';
    f.flags = 0;
    f.inWord = false;
    f.carry = 0;
    f.pendingRedir = false;
    f.closer = closer;
    f.inDq = inDq;
  }

  private begin(f: Frame): void {
    f.inWord = true;
    f.wordStart = this.pos;
    f.flags = f.carry;
    f.carry = 0;
  }

  private append(ch: string): void {
    const f = this.f;
    if (!f.inWord) this.begin(f);
    if (f.word.length < WORD_MAX) f.word += ch;
  }

  private mark(flag: number): void {
    const f = this.f;
    if (!f.inWord) this.begin(f);
    f.flags |= flag;
  }

  private endWord(): void {
    const f = this.f;
    if (!f.inWord) return;
    const cmd = f.cmd;
    this.seen |= f.flags;
    if (f.pendingRedir) {
      f.pendingRedir = false;
      if (cmd.redirTarget === '') cmd.redirTarget = f.word;
    } else if (cmd.n < MAX_WORDS) {
      cmd.text[cmd.n] = f.word;
      cmd.flags[cmd.n] = f.flags;
      cmd.start[cmd.n] = f.wordStart;
      cmd.end[cmd.n] = this.pos;
      cmd.n++;
    } else cmd.more++;
    f.word = '';
    f.flags = 0;
    f.inWord = false;
  }

  /** Ends the current command and starts the next one, introduced by `next`. */
  private endCommand(term: number, next: number): void {
    this.endWord();
    const cmd = this.f.cmd;
    cmd.term = term;
    if ((cmd.n > 0 || cmd.redirs > 0) && this.judge(cmd, this.src)) { this.stopped = true; return; }
    cmd.reset(next, this.pos);
  }

  private pushFrame(closer: number, inDq: boolean): boolean {
    if (this.depth >= MAX_DEPTH) return false;
    this.mark(W_SUBST);
    this.depth++;
    this.f = this.frames[this.depth] as Frame;
    this.open(this.f, I_SUBST, this.pos, closer, inDq);
    return true;
  }

  private closeFrame(term: number): void {
    this.endCommand(term, I_START);
    if (this.stopped) return;
    const inDq = this.f.inDq;
    this.depth--;
    this.f = this.frames[this.depth] as Frame;
    if (inDq) this.doubleQuoted();
  }

  private step(): void {
    work.units++;
    const s = this.src;
    const c = s.charCodeAt(this.pos);
    const f = this.f;
    switch (c) {
      case 32: case 9: case 13:
        this.endWord(); this.pos++; return;
      case 10:
        this.pos++; this.endCommand(E_SEP, this.newlineHidden ? I_NL_HIDDEN : I_NL_TYPED); return;
      case 59: // ;
        this.pos++; while (s.charCodeAt(this.pos) === 59) this.pos++;
        this.endCommand(E_SEP, I_SEMI); return;
      case 38: { // & && &>
        const d = s.charCodeAt(this.pos + 1);
        if (d === 62) { this.redirection(2); return; }
        this.pos += d === 38 ? 2 : 1;
        this.endCommand(E_SEP, d === 38 ? I_AND : I_AMP); return;
      }
      case 124: { // | || |&
        const d = s.charCodeAt(this.pos + 1);
        this.pos += d === 124 || d === 38 ? 2 : 1;
        this.endCommand(E_SEP, I_PIPE); return;
      }
      case 40: // (
        if (f.inWord || f.cmd.n > 0) {
          this.pos++; this.endCommand(E_PAREN, I_GROUP);
        } else {
          this.pos++;
          if (f.cmd.intro === I_START) f.cmd.intro = I_GROUP;
        }
        return;
      case 41: // )
        if (f.closer === 41 && this.depth > 0) { this.pos++; this.closeFrame(E_CLOSE); return; }
        this.pos++; this.endCommand(E_CLOSE, I_START); return;
      case 96: // `
        if (f.closer === 96 && this.depth > 0) { this.pos++; this.closeFrame(E_CLOSE); return; }
        this.pos++;
        if (!this.pushFrame(96, false)) this.append('`');
        else if (this.codeSpan()) this.f.cmd.intro = I_CODESPAN;
        return;
      case 60: case 62: // < >
        if (s.charCodeAt(this.pos + 1) === 40) { // <( >( process substitution
          this.pos += 2;
          if (!this.pushFrame(41, false)) this.append('(');
          return;
        }
        this.redirection(1); return;
      case 39: this.pos++; this.singleQuoted(); return;
      case 34: this.pos++; this.doubleQuoted(); return;
      case 36: this.dollar(false); return;
      case 92: // \ escape, \<newline> continuation
        if (s.charCodeAt(this.pos + 1) === 10) { this.pos += 2; return; }
        this.mark(W_ESCAPE);
        if (this.pos + 1 < s.length) this.append(s[this.pos + 1] as string);
        this.pos += 2; return;
      case 35: // # comment at a word start
        if (!f.inWord) { while (this.pos < s.length && s.charCodeAt(this.pos) !== 10) this.pos++; return; }
        break;
      case 123: // { brace expansion or group
        if (!f.inWord && this.braceExpansion()) return;
        if (!f.inWord && f.cmd.n === 0 && (s.charCodeAt(this.pos + 1) === 32 || s.charCodeAt(this.pos + 1) === 9)) { this.pos++; return; }
        break;
      case 125: // } closing a group
        if (!f.inWord) { this.pos++; return; }
        break;
      case 42: case 63: case 91: case 93: // * ? [ ]
        this.mark(W_GLOB); break;
      case 94: // ^ cmd.exe escape: the next character is literal, the caret disappears
        this.mark(W_CARET); this.pos++;
        if (this.pos < s.length && s.charCodeAt(this.pos) !== 32) { this.append(s[this.pos] as string); this.pos++; }
        return;
      case 37: // %VAR%
        if (this.percentVar()) return;
        break;
      case 61: // NAME=value at command position: remember the value for $NAME
        if (f.inWord && f.cmd.n === 0 && f.flags === 0 && /^[A-Za-z_]\w*$/.test(f.word)) { this.assignment(); return; }
        break;
    }
    // A run of ordinary characters joins the word in one piece (no per-character string building).
    let j = this.pos + 1;
    while (j < s.length && ordinary(s.charCodeAt(j))) j++;
    work.units += j - this.pos;
    if (!f.inWord) this.begin(f);
    if (f.word.length < WORD_MAX) f.word += s.slice(this.pos, Math.min(j, this.pos + WORD_MAX));
    this.pos = j;
  }

  /** A backtick right after a blank in prose opens a Markdown code span, not a substitution (`npm test`). */
  private codeSpan(): boolean {
    const at = this.pos - 2;
    if (at < 0) return false;
    const p = this.src.charCodeAt(at);
    return p === 32 || p === 10;
  }

  private redirection(len: number): void {
    const s = this.src;
    const f = this.f;
    // "2>", "0<": a word of digits right before the operator is a file descriptor.
    if (f.inWord && /^\d+$/.test(f.word) && f.flags === 0) { f.word = ''; f.inWord = false; }
    this.endWord();
    let p = this.pos + len;
    const d = s.charCodeAt(p);
    if (d === 62 || d === 60 || d === 38 || d === 124) p++; // >> << >& <& >|
    if (s.charCodeAt(p) === 60) p++; // <<<
    this.pos = p;
    f.cmd.redirs++;
    f.pendingRedir = true;
  }

  private singleQuoted(): void {
    const s = this.src;
    const f = this.f;
    const inside = f.inWord;
    this.mark(W_QUOTED);
    const close = s.indexOf("'", this.pos);
    const end = close < 0 ? s.length : close;
    work.units += end - this.pos + 1;
    if (f.word.length < WORD_MAX) f.word += s.slice(this.pos, Math.min(end, this.pos + WORD_MAX));
    this.pos = close < 0 ? s.length : close + 1;
    if (inside || this.wordContinues()) f.flags |= W_QUOTE_INSIDE;
  }

  private doubleQuoted(): void {
    const s = this.src;
    const f0 = this.f;
    const inside = f0.inWord;
    this.mark(W_QUOTED);
    while (this.pos < s.length) {
      work.units++;
      const c = s.charCodeAt(this.pos);
      if (c === 34) { this.pos++; if (inside || this.wordContinues()) this.f.flags |= W_QUOTE_INSIDE; return; }
      if (c === 92) {
        const d = s.charCodeAt(this.pos + 1);
        if (d === 34 || d === 92 || d === 36 || d === 96) { this.append(s[this.pos + 1] as string); this.pos += 2; continue; }
        this.append('\\'); this.pos++; continue;
      }
      if (c === 36) { if (this.dollar(true)) return; continue; }
      if (c === 96) {
        this.pos++;
        if (this.pushFrame(96, true)) return; // resumes the string when the substitution closes
        this.append('`'); continue;
      }
      this.append(s[this.pos] as string);
      this.pos++;
    }
  }

  /** Whether the character after a closing quote continues the same word. */
  private wordContinues(): boolean {
    const c = this.src.charCodeAt(this.pos);
    return this.pos < this.src.length && !(c === 32 || c === 9 || c === 10 || c === 13 || c === 59 || c === 38 || c === 124 ||
      c === 41 || c === 40 || c === 60 || c === 62 || c === 96);
  }

  /** `$...` at pos. Returns true when a nested frame was opened from inside a double-quoted string. */
  private dollar(inDq: boolean): boolean {
    const s = this.src;
    const p = this.pos;
    const d = s.charCodeAt(p + 1);
    if (d === 40 && s.charCodeAt(p + 2) === 40) { // $(( arithmetic ))
      this.mark(W_ARITH);
      this.pos = skipBalanced(s, p + 2, 40, 41);
      return false;
    }
    if (d === 40) { // $( command )
      this.pos = p + 2;
      if (this.pushFrame(41, inDq)) return inDq;
      this.append('$(');
      return false;
    }
    if (d === 91) { // $[ arithmetic ] (obsolete bash)
      this.mark(W_ARITH);
      const close = s.indexOf(']', p + 2);
      this.pos = close < 0 ? s.length : close + 1;
      return false;
    }
    if (d === 123) { this.braceParam(); return false; }
    if (d === 39 && !inDq) { this.ansiQuoted(); return false; }
    if (d === 34 && !inDq) { this.pos = p + 2; this.doubleQuoted(); return false; } // $"..." (locale translation)
    if (d === 48) { this.mark(W_VAR); if (this.f.word.length < WORD_MAX) this.f.word += 'sh'; this.pos = p + 2; return false; } // $0: the shell
    if (isNameStart(d)) {
      let j = p + 2;
      while (j < s.length && isNameChar(s.charCodeAt(j))) j++;
      this.expand(s.slice(p + 1, j), inDq, j);
      return false;
    }
    // $1 $@ $* $# $? $$ $! $-: positional and special parameters, empty in an attacker's mind
    if ((d >= 49 && d <= 57) || d === 64 || d === 42 || d === 35 || d === 63 || d === 36 || d === 33 || d === 45) {
      this.mark(W_EMPTY_EXP);
      this.pos = p + 2;
      return false;
    }
    this.append('$');
    this.pos = p + 1;
    return false;
  }

  private expand(name: string, inDq: boolean, next: number): void {
    const f = this.f;
    if (name === 'IFS' && !inDq) {
      // $IFS is a blank once the shell splits fields: cat$IFS/etc/passwd is two words.
      this.pos = next;
      if (f.inWord) { f.flags |= W_IFS; this.endWord(); }
      f.carry |= W_IFS;
      this.seen |= W_IFS;
      return;
    }
    const known = this.vars.get(name);
    if (known !== undefined && !f.inWord && (next >= this.src.length || !isNameChar(this.src.charCodeAt(next)))) {
      this.mark(W_VAR);
      if (f.word.length < WORD_MAX) f.word += known;
    } else this.mark(W_EMPTY_EXP);
    this.pos = next;
  }

  /** ${name}, ${name:-default}, ${name:0:1}: the default is what runs when the name is unset. */
  private braceParam(): void {
    const s = this.src;
    const p = this.pos;
    // The closing brace within WORD_MAX: "${${${..." must not scan the rest of the value at every opener.
    const near = s.slice(p + 2, p + 2 + WORD_MAX * 2).indexOf('}');
    const close = near < 0 ? -1 : p + 2 + near;
    const end = close < 0 ? Math.min(s.length, p + 2 + WORD_MAX * 2) : close;
    const body = s.slice(p + 2, Math.min(end, p + 2 + WORD_MAX));
    let i = 0;
    while (i < body.length && isNameChar(body.charCodeAt(i))) i++;
    const name = body.slice(0, i);
    const op = body.slice(i);
    this.pos = close < 0 ? end : close + 1;
    if (op === '') { this.expand(name, false, this.pos); return; }
    // ${x:-word} / ${x=word}: the default is the value; ${x:0:1}, ${x//a/b}, ${x##p}, ${!x}: string surgery that
    // text never spells (a config's "${VAR:-default}" is ordinary; cutting letters out of $PATH is not).
    const m = /^:?[-=]/.exec(op);
    if (m) { this.mark(0); if (this.f.word.length < WORD_MAX) this.f.word += op.slice(m[0].length); return; }
    if (/^(?::\s*-?\d|\/|#|%|\^|,)/.test(op) || name === '') this.mark(W_PARAM_OP);
    this.mark(W_EMPTY_EXP);
  }

  /** $'..': ANSI-C quoting, escapes decoded ($'\x63at' is cat). */
  private ansiQuoted(): void {
    const s = this.src;
    let p = this.pos + 2;
    this.mark(W_ANSI | W_QUOTED);
    let out = '';
    while (p < s.length && s.charCodeAt(p) !== 39) {
      if (s.charCodeAt(p) === 92 && p + 1 < s.length) {
        const e = s[p + 1] as string;
        const hex = /^x([0-9a-fA-F]{1,2})/.exec(s.slice(p + 1, p + 4));
        const oct = /^([0-7]{1,3})/.exec(s.slice(p + 1, p + 4));
        if (hex?.[1]) { out += String.fromCharCode(parseInt(hex[1], 16)); p += 2 + hex[1].length; continue; }
        if (oct?.[1]) { out += String.fromCharCode(parseInt(oct[1], 8)); p += 1 + oct[1].length; continue; }
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        p += 2;
        continue;
      }
      out += s[p];
      p++;
      if (out.length > WORD_MAX) break;
    }
    if (this.f.word.length < WORD_MAX) this.f.word += out;
    this.pos = p < s.length ? p + 1 : s.length;
  }

  /** {cat,/etc/passwd} in command position expands to the words `cat /etc/passwd`. */
  private braceExpansion(): boolean {
    const s = this.src;
    const p = this.pos;
    let j = p + 1;
    let comma = false;
    for (; j < s.length && j - p < WORD_MAX * 2; j++) {
      const c = s.charCodeAt(j);
      if (c === 125) break;
      if (c === 32 || c === 9 || c === 10 || c === 59 || c === 123) return false;
      if (c === 44) comma = true;
    }
    if (!comma || s.charCodeAt(j) !== 125) return false;
    const f = this.f;
    let k = p + 1;
    while (k <= j) {
      let e = s.indexOf(',', k);
      if (e < 0 || e > j) e = j;
      // An empty item expands to nothing: {,ip,a} runs "ip a".
      if (e > k) {
        f.inWord = true; f.wordStart = k; f.flags = W_BRACE; f.word = s.slice(k, Math.min(e, k + WORD_MAX));
        this.pos = e;
        this.endWord();
      }
      k = e + 1;
    }
    this.pos = j + 1;
    return true;
  }

  /** cmd.exe's %NAME% (and %NAME:~a,b% substrings, an obfuscation): folded to what cmd would put there. */
  private percentVar(): boolean {
    const s = this.src;
    const p = this.pos;
    if (!isNameStart(s.charCodeAt(p + 1))) return false;
    let j = p + 1;
    while (j < s.length && j - p < 40 && (isNameChar(s.charCodeAt(j)) || s.charCodeAt(j) === 40 || s.charCodeAt(j) === 41)) j++;
    let sub = false;
    if (s.charCodeAt(j) === 58 && s.charCodeAt(j + 1) === 126) { // :~a,b
      sub = true;
      j += 2;
      while (j < s.length && j - p < 48 && s.charCodeAt(j) !== 37) j++;
    }
    if (s.charCodeAt(j) !== 37) return false;
    const name = s.slice(p + 1, j).toLowerCase();
    this.mark(W_PCT_VAR | (sub ? W_EMPTY_EXP : 0));
    const v = sub ? undefined : PCT_VARS[name];
    if (v !== undefined && this.f.word.length < WORD_MAX) this.f.word += v;
    this.pos = j + 1;
    return true;
  }

  private assignment(): void {
    const s = this.src;
    const f = this.f;
    const name = f.word;
    this.pos++;
    // The value: one word (quotes and $'..' decoded), read with the same rules.
    f.word = '';
    f.flags = 0;
    while (this.pos < s.length && !this.stopped) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 59 || c === 38 || c === 124) break;
      if (c === 39) { this.pos++; this.singleQuoted(); continue; }
      if (c === 34) { this.pos++; this.doubleQuoted(); if (this.f !== f) return; continue; }
      if (c === 36 && s.charCodeAt(this.pos + 1) === 39) { this.ansiQuoted(); continue; }
      if (c === 36 && s.charCodeAt(this.pos + 1) === 34) { this.pos += 2; this.doubleQuoted(); if (this.f !== f) return; continue; }
      if (c === 36 || c === 96 || c === 40) break;
      this.append(s[this.pos] as string);
      this.pos++;
    }
    if (this.vars.size < 4) this.vars.set(name, f.word);
    f.word = '';
    f.flags = 0;
    f.inWord = false;
  }
}

/** Characters with no meaning to the lexer (letters, digits, most punctuation, anything beyond ASCII). */
const SPECIAL = new Uint8Array(128);
for (const ch of ' \t\r\n;&|()`<>\'"$\\#{}*?[]^%=') SPECIAL[ch.charCodeAt(0)] = 1;
function ordinary(c: number): boolean {
  return c >= 128 || SPECIAL[c] === 0;
}

/** Skips a balanced ( ) or [ ] group starting at an opener; returns the index after its closer (or the end). */
function skipBalanced(s: string, p: number, open: number, close: number): number {
  let depth = 0;
  for (let i = p; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === open) depth++;
    else if (c === close && --depth <= 0) {
      // $(( ... )): the second closer
      if (s.charCodeAt(i + 1) === close && open === 40) return i + 2;
      return i + 1;
    }
  }
  return s.length;
}
