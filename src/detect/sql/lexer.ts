/**
 * A SQL tokenizer that is lenient the way database parsers are (MySQL, PostgreSQL, SQL Server, SQLite and
 * Oracle together): every input produces tokens, nothing throws, each character is looked at a bounded
 * number of times. It keeps one current token in mutable fields so that scanning allocates nothing.
 */
import { work } from '../work.js';
import { KW_NONE, KW_ORDER_GROUP, KW_STRONG_CLAUSE, keywordOf } from './keywords.js';

export const T_END = 0;
export const T_STRING = 1;
export const T_NUMBER = 2;
export const T_WORD = 3; // identifier or keyword (see kw)
export const T_VAR = 4; // @x, @@x
export const T_OP = 5; // arithmetic and bitwise: + - * / % ^ | & ~ << >> . :=
export const T_CMP = 6; // = < > <= >= <> != <=>
export const T_LOGIC = 7; // && ||
export const T_NOT = 8; // !
export const T_LPAREN = 9;
export const T_RPAREN = 10;
export const T_COMMA = 11;
export const T_SEMI = 12;
export const T_COMMENT = 13;
export const T_UNKNOWN = 14;

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c > 127;
}
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
/** Characters the databases treat as blanks; NUL and NBSP included because MySQL and SQL Server skip them. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0 || c === 160;
}

export class SqlLexer {
  private src = '';
  private pos = 0;
  type = T_END;
  start = 0;
  end = 0;
  /** Keyword role of a T_WORD token (KW_* from keywords.ts). */
  kw = KW_NONE;
  /** A T_STRING token that ran to the end of the input without its closing quote. */
  unterminated = false;
  /** The quote character of a T_STRING token. */
  quote = 0;
  /** A T_VAR token that names a system variable (@@version). */
  system = false;
  /**
   * A comment every dialect honours: '-- ' (MySQL needs the blank) or a block comment. '#' and '--x' are
   * comments only to some databases, and appear in ordinary text ('#2', '--INFANT').
   */
  strongComment = false;

  reset(src: string, pos: number): void {
    this.src = src;
    this.pos = pos;
    this.type = T_END;
  }

  /** Whether the next significant character (after blanks and comments) is '('. */
  peekParen(): boolean {
    let p = this.pos;
    const s = this.src;
    for (;;) {
      while (p < s.length && isSpace(s.charCodeAt(p))) { p++; work.units++; }
      if (s.charCodeAt(p) === 47 && s.charCodeAt(p + 1) === 42 && s.charCodeAt(p + 2) !== 33) {
        const close = s.indexOf('*/', p + 2);
        if (close < 0) return false;
        p = close + 2;
        continue;
      }
      return s.charCodeAt(p) === 40;
    }
  }

  /** Whether the next significant token (after blanks and comments) is a number. */
  peekNumber(): boolean {
    const s = this.src;
    let p = this.pos;
    for (;;) {
      while (p < s.length && isSpace(s.charCodeAt(p))) { p++; work.units++; }
      if (s.charCodeAt(p) === 47 && s.charCodeAt(p + 1) === 42) {
        const close = s.indexOf('*/', p + 2);
        if (close < 0) return false;
        p = close + 2;
        continue;
      }
      return isDigit(s.charCodeAt(p));
    }
  }

  /** Whether the next token is the given keyword (upper case), skipping blanks, parentheses and comments. */
  peekWord(word: string): boolean {
    const s = this.src;
    let p = this.pos;
    for (;;) {
      while (p < s.length && (isSpace(s.charCodeAt(p)) || s.charCodeAt(p) === 40)) { p++; work.units++; }
      if (s.charCodeAt(p) === 47 && s.charCodeAt(p + 1) === 42) {
        const close = s.indexOf('*/', p + 2);
        if (close < 0) return false;
        p = close + 2;
        continue;
      }
      break;
    }
    for (let i = 0; i < word.length; i++) if ((s.charCodeAt(p + i) & ~32) !== word.charCodeAt(i)) return false;
    return !isWordChar(s.charCodeAt(p + word.length));
  }

  next(): number {
    const s = this.src;
    const n = s.length;
    let p = this.pos;
    this.kw = KW_NONE;
    this.unterminated = false;
    this.system = false;
    this.strongComment = false;
    for (;;) {
      while (p < n && isSpace(s.charCodeAt(p))) p++;
      // MySQL runs the body of /*! ... */ as code and ignores a stray */: both are blanks to us.
      if (s.charCodeAt(p) === 42 && s.charCodeAt(p + 1) === 47) { p += 2; continue; }
      if (s.charCodeAt(p) === 47 && s.charCodeAt(p + 1) === 42 && s.charCodeAt(p + 2) === 33) {
        p += 3;
        while (p < n && isDigit(s.charCodeAt(p))) p++;
        continue;
      }
      break;
    }
    this.start = p;
    if (p >= n) { this.pos = p; this.end = p; return (this.type = T_END); }
    const c = s.charCodeAt(p);
    let type: number;
    if (c === 39 || c === 34) {
      this.quote = c;
      p = this.quoted(p, c);
      type = T_STRING;
    } else if (c === 96) { // `identifier`
      const close = s.indexOf('`', p + 1);
      p = close < 0 ? n : close + 1;
      type = T_WORD;
    } else if (c === 91) { // [identifier] (SQL Server)
      const close = s.indexOf(']', p + 1);
      p = close < 0 ? n : close + 1;
      type = T_WORD;
    } else if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(p + 1)))) {
      p = this.number(p);
      type = T_NUMBER;
    } else if (isWordChar(c)) {
      // db.table and SQL Server's db..table are one name; ".2" after a word is a number (SELECT.2).
      while (p < n && (isWordChar(s.charCodeAt(p)) || (s.charCodeAt(p) === 46 && isNameStart(s.charCodeAt(p + 1))) ||
        (s.charCodeAt(p) === 46 && s.charCodeAt(p + 1) === 46 && isNameStart(s.charCodeAt(p + 2))))) p++;
      type = T_WORD;
      this.kw = keywordOf(s, this.start, p);
      if (this.kw === KW_ORDER_GROUP) p = this.byAfter(p);
    } else if (c === 64) { // @var, @@var, @'quoted'
      p++;
      if (s.charCodeAt(p) === 64) { p++; this.system = true; }
      const q = s.charCodeAt(p);
      if (q === 39 || q === 34 || q === 96) p = this.quoted(p, q);
      else while (p < n && isWordChar(s.charCodeAt(p))) p++;
      type = T_VAR;
    } else if (c === 45 && s.charCodeAt(p + 1) === 45) { // -- comment to end of line
      const after = s.charCodeAt(p + 2);
      // "--+" is "-- " as written in a URL query (the '+' decodes to the blank MySQL needs).
      this.strongComment = p + 2 >= n || isSpace(after) || after < 32 || after === 43;
      p = lineEnd(s, p);
      type = T_COMMENT;
    } else if (c === 35) { // # comment (MySQL)
      p = lineEnd(s, p);
      type = T_COMMENT;
    } else if (c === 47 && s.charCodeAt(p + 1) === 42) { // /* comment */
      const close = s.indexOf('*/', p + 2);
      p = close < 0 ? n : close + 2;
      this.strongComment = true;
      type = T_COMMENT;
    } else {
      type = this.symbol(p);
      p = this.end;
    }
    this.pos = p;
    this.end = p;
    work.units += p - this.start + 1;
    return (this.type = type);
  }

  private quoted(p: number, q: number): number {
    const s = this.src;
    const n = s.length;
    let i = p + 1;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 92) { i += 2; continue; }
      if (c === q) {
        if (s.charCodeAt(i + 1) === q) { i += 2; continue; }
        return i + 1;
      }
      i++;
    }
    this.unterminated = true;
    return n;
  }

  private number(p: number): number {
    const s = this.src;
    const n = s.length;
    const x = s.charCodeAt(p + 1) | 32;
    if (s.charCodeAt(p) === 48 && (x === 120 || x === 98)) { // 0x.. 0b..
      p += 2;
      while (p < n && /[0-9a-fA-F]/.test(s[p] as string)) p++;
      return p;
    }
    while (p < n && isDigit(s.charCodeAt(p))) p++;
    if (s.charCodeAt(p) === 46) { p++; while (p < n && isDigit(s.charCodeAt(p))) p++; }
    if ((s.charCodeAt(p) | 32) === 101) {
      let q = p + 1;
      if (s.charCodeAt(q) === 43 || s.charCodeAt(q) === 45) q++;
      if (isDigit(s.charCodeAt(q))) { p = q; while (p < n && isDigit(s.charCodeAt(p))) p++; }
    }
    return p;
  }

  /** ORDER BY / GROUP BY are one clause token; ORDER or GROUP alone is an ordinary word. */
  private byAfter(p: number): number {
    const s = this.src;
    let q = p;
    while (q < s.length && isSpace(s.charCodeAt(q))) q++;
    if ((s.charCodeAt(q) | 32) === 98 && (s.charCodeAt(q + 1) | 32) === 121 && !isWordChar(s.charCodeAt(q + 2))) {
      this.kw = KW_STRONG_CLAUSE;
      return q + 2;
    }
    this.kw = KW_NONE;
    return p;
  }

  private symbol(p: number): number {
    const s = this.src;
    const c = s.charCodeAt(p);
    const d = s.charCodeAt(p + 1);
    this.end = p + 1;
    switch (c) {
      case 40: return T_LPAREN;
      case 41: return T_RPAREN;
      case 44: return T_COMMA;
      case 59: return T_SEMI;
      case 61: // '=' ; '==' is not SQL
        if (d === 61) { this.end = p + 2; return T_UNKNOWN; }
        return T_CMP;
      case 60: // < <= <> <=> <<
        if (d === 61 && s.charCodeAt(p + 2) === 62) { this.end = p + 3; return T_CMP; }
        if (d === 61 || d === 62) { this.end = p + 2; return T_CMP; }
        if (d === 60) { this.end = p + 2; return T_OP; }
        return T_CMP;
      case 62: // > >= >>
        if (d === 61) { this.end = p + 2; return T_CMP; }
        if (d === 62) { this.end = p + 2; return T_OP; }
        return T_CMP;
      case 33: // ! !=
        if (d === 61) { this.end = p + 2; return T_CMP; }
        return T_NOT;
      case 124: // | ||
        if (d === 124) { this.end = p + 2; return T_LOGIC; }
        return T_OP;
      case 38: // & &&
        if (d === 38) { this.end = p + 2; return T_LOGIC; }
        return T_OP;
      case 58: // := ::
        if (d === 61 || d === 58) { this.end = p + 2; return T_OP; }
        return T_UNKNOWN;
      case 43: case 45: case 42: case 47: case 37: case 94: case 126: case 46:
        return T_OP;
      default:
        return T_UNKNOWN;
    }
  }
}

function lineEnd(s: string, p: number): number {
  const nl = s.indexOf('\n', p);
  return nl < 0 ? s.length : nl;
}
