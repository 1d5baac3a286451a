import { RULES } from '../rules.js';
import { finding, tok, type Finding, type Level } from '../types.js';
import { work } from '../work.js';
import { KW_LOGIC, KW_STRONG_CLAUSE, KW_UNION } from './keywords.js';
import { CONTINUATION, hit, judgeReading } from './judge.js';
import { SqlLexer, T_COMMA, T_LOGIC, T_RPAREN, T_WORD } from './lexer.js';

/**
 * SQL injection: the value is judged in numeric context, as the continuation of an expression when it starts
 * with an operator or a clause, and, when it holds a quote, as the continuation of a string closed by its first
 * quote of each kind. Returns the finding of the first reading that decides at `level`, or undefined.
 */
export function detectSqli(value: string, level: Level): Finding | undefined {
  work.units += 3 * value.length; // the UNION and EXEC looks and the quote searches
  const union = hasUnion(value);
  const exec = hasExec(value);
  if (judgeReading(value, 0, 0, union, level, exec)) return result(value);
  const sq = breakingQuote(value, 39);
  if (sq >= 0 && judgeReading(value, sq + 1, 39, union, level, exec)) return result(value, sq);
  const dq = breakingQuote(value, 34);
  if (dq >= 0 && judgeReading(value, dq + 1, 34, union, level, exec)) return result(value, dq);
  const c = continuationStart(value);
  if (c >= 0 && judgeReading(value, c, CONTINUATION, union, level, exec)) return result(value);
  // WAITFOR DELAY '0:0:5' with its time literal: SQL Server's sleep, whatever the reading around it.
  const w = WAITFOR.exec(value);
  if (w) return finding(RULES.sqlDelay, w.index, w.index + w[0].length, [w[0]]);
  if (level >= 4) return quoteProbe(value, sq >= 0 ? sq : dq);
  return undefined;
}

const probe = new SqlLexer();

const WAITFOR = /\bwaitfor\s+(?:delay|time)\s+['"]\d{1,2}:\d{1,2}(?::\d{1,2})?['"]/i;

/** Whether "exec" occurs in any case: lets a dead reading still find EXEC xp_cmdshell. */
function hasExec(value: string): boolean {
  return /exec/i.test(value);
}

/**
 * Where a value that continues the application's expression starts: its first token is a logic operator,
 * a comparison, a clause (ORDER BY, UNION...), a closing parenthesis or a comma. -1 otherwise.
 */
function continuationStart(value: string): number {
  probe.reset(value, 0);
  const t = probe.next();
  if (t === T_RPAREN || t === T_COMMA || t === T_LOGIC) return probe.start;
  if (t === T_WORD) {
    const k = probe.kw;
    if (k === KW_LOGIC || k === KW_STRONG_CLAUSE || k === KW_UNION) return probe.start;
  }
  return -1;
}

/** Whether the letters "union" occur in any case: lets a reading stop as soon as it is not SQL. */
function hasUnion(value: string): boolean {
  for (let i = value.indexOf('n') < 0 && value.indexOf('N') < 0 ? value.length : 0; i + 5 <= value.length; i++) {
    if ((value.charCodeAt(i) | 32) === 117 && (value.charCodeAt(i + 1) | 32) === 110 && (value.charCodeAt(i + 2) | 32) === 105 &&
      (value.charCodeAt(i + 3) | 32) === 111 && (value.charCodeAt(i + 4) | 32) === 110) return true;
  }
  return false;
}

/** The first quote that ends a string: a doubled quote ('') is an escaped quote inside the string. */
function breakingQuote(value: string, q: number): number {
  const ch = q === 39 ? "'" : '"';
  let i = value.indexOf(ch);
  while (i >= 0 && value.charCodeAt(i + 1) === q) i = value.indexOf(ch, i + 2);
  return i;
}

function result(value: string, quote?: number): Finding {
  const start = Math.max(quote ?? hit.start, hit.end - 64);
  const tokens = quote === undefined ? hit.tokens : [value[quote] as string, ...hit.tokens];
  return finding(hit.rule, start, Math.max(start, hit.end), tokens);
}

/** Level 4: a quote followed by a SQL operator, digit or another quote (1'1, '&', "^"): probing, not prose. */
function quoteProbe(value: string, q: number): Finding | undefined {
  if (q < 0) return undefined;
  let j = q + 1;
  while (value.charCodeAt(j) === 32) j++;
  const c = value.charCodeAt(j);
  if (j >= value.length) return undefined;
  // = < > ! | & ^ * + - % / ( ) , ; digits and quotes
  if ('=<>!|&^*+-%/(),;0123456789\'"'.includes(String.fromCharCode(c))) return finding(RULES.sqlQuoteProbe, q, j + 1, [tok(value, q, j + 1)]);
  return undefined;
}
