/**
 * The SQL injection judge. An injected value must first leave the literal it was put in (a quote closes
 * the string, or a number is followed by more SQL), then form SQL that parses together with what the
 * application wrote around it. So the judge reads the value three ways: as it stands (numeric context),
 * and as if it followed an opening single or double quote. In each reading it runs a small expression
 * automaton (expecting an operand / after an operand) over the tokens; prose breaks it within a few words
 * ("O'Brien": a string followed by a bare word), SQL does not. A reading that stays valid to its end, or to
 * a comment that hides the application's remaining SQL, is an attack when it also carries signals that
 * prose does not: a logic operator with a literal operand after the quote (' OR 1=1), a comparison or
 * operator between literals right after the quote ('a'='a), a trailing comment after the quote (admin'-- ),
 * or two weaker signals (comparison with a literal, SQL function, clause, variable...). UNION SELECT,
 * stacked statements and time-delay or file functions decide alone.
 * One pass per reading, fixed state, no backtracking: linear time.
 */
import { RULES } from '../rules.js';
import { tok, type Level, type Rule } from '../types.js';
import {
  FN_DELAY, FN_NONE, KW_ARITH, KW_CLAUSE, KW_CMP, KW_DECLARE, KW_EXEC, KW_LOGIC, KW_NONE, KW_NOT, KW_POSTFIX, KW_SELECT,
  KW_STMT, KW_STRONG_CLAUSE, KW_UNION, KW_VALUE, KW_WAITFOR, dangerFunction, isSqlFunction,
} from './keywords.js';
import {
  SqlLexer, T_CMP, T_COMMA, T_COMMENT, T_END, T_LOGIC, T_LPAREN, T_NOT, T_NUMBER, T_OP, T_RPAREN, T_SEMI,
  T_STRING, T_VAR, T_WORD,
} from './lexer.js';

const S_OPERAND = 0; // expecting an operand
const S_AFTER = 1; // after a complete operand
const S_AFTER_NOT = 2; // after "x NOT": only LIKE / IN / BETWEEN / REGEXP may follow
const S_DEAD = 3; // not SQL: only UNION SELECT is still looked for

// Weak signals, as bits: two different ones make an attack in a valid reading.
const M_CMP = 1, M_FN = 2, M_SQLFN = 4, M_CLAUSE = 8, M_STRONG_CLAUSE = 16, M_COMMENT = 32, M_VAR = 64, M_STMT = 128,
  M_LOGIC = 256;

// Operator classes for the first operator after a broken-out quote.
const OP_NONE = 0, OP_ARITH = 1, OP_CMP = 2;

/** The reading of a value that continues an expression the application wrote (` OR 1=1`, `) AND (1=1`). */
export const CONTINUATION = -1;

const lexer = new SqlLexer();

/** The last hit: the rule that decided and [start, end) in the judged string, with the deciding tokens. */
export const hit: { rule: Rule; start: number; end: number; tokens: string[] } = { rule: RULES.sqlSignals, start: 0, end: 0, tokens: [] };

/** The tokens of the reading so far (start, end pairs), kept for the explanation; bounded. */
const TRAIL_MAX = 12;
const trail = new Int32Array(TRAIL_MAX * 2);
let trailLen = 0;

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/**
 * Judges one reading of `src`: from `from` on, after the application's opening quote `quote` (the text before
 * `from` was a string literal that the quote at from-1 closed), from the start in numeric context (quote 0), or
 * as the continuation of an expression (quote CONTINUATION: the value starts with an operator or a clause).
 * Fills `hit` and returns true when a rule at or below `level` decides.
 */
export function judgeReading(src: string, from: number, quote: number, mayHaveUnion: boolean, level: Level, mayHaveExec = false): boolean {
  const quoted = quote > 0;
  const cont = quote === CONTINUATION;
  // After a break (a closed quote, or the start of a continuation) literals are the attacker's operands.
  const brk = quoted || cont;
  lexer.reset(src, from);
  trailLen = 0;
  let state = brk ? S_AFTER : S_OPERAND;
  let strong: Rule | undefined;
  let medium = 0;
  let logicLiteral = false;
  let lastStrong = brk;
  let leftStrong = false;
  let pendingLogic = false;
  let pendingCmp = false;
  let firstOp = quoted ? OP_NONE : -1; // -1: not applicable / already used
  let sysVar = false;
  let weakComment = false;
  let unionPending = false;
  let stmtPos = !brk; // a statement may start here (start of value, after ';' or '(')
  let stmt = 0; // 1: statement keyword seen, 2: and one plain word after it
  let stacked = false; // a statement after ';' (or straight after the quote): attack if the reading stays valid
  let selectSeen = false;
  let aliasUsed = false;
  let startsNumeric = false;
  let prevKw = KW_NONE;
  let prevType = T_END;
  let lastKw = KW_NONE;
  let signalEnd = -1;
  let tokens = 0;
  let wordSeen = false;
  let literalSeen = false;
  let afterBinary = false; // the previous significant token was a binary operator
  let leftStart = 0, leftEnd = 0; // the last operand
  let logicLeft = false; // in a continuation, the last operand came right after a logic operator

  for (let t = lexer.next(); t !== T_END; t = lexer.next()) {
    tokens++;
    if (trailLen < TRAIL_MAX) { trail[trailLen * 2] = lexer.start; trail[trailLen * 2 + 1] = lexer.end; trailLen++; }
    const kw = t === T_WORD ? lexer.kw : KW_NONE;
    // UNION [ALL|DISTINCT] [(] SELECT: decided whatever surrounds it.
    if (kw === KW_UNION) unionPending = true;
    else if (unionPending) {
      if (kw === KW_SELECT) return found(RULES.sqlUnion, lexer.end);
      if (!(t === T_LPAREN || t === T_COMMENT || kw === KW_CLAUSE)) unionPending = false;
    }
    // EXEC xp_cmdshell / EXEC master..xp_ / EXECUTE IMMEDIATE '...': a system procedure call decides wherever it is.
    if (prevKw === KW_EXEC && ((t === T_WORD && (isProcName(src, lexer.start) || isWord(src, lexer.start, lexer.end, 'IMMEDIATE', 'IMMEDIATE'))) ||
      (t === T_STRING && state !== S_DEAD))) {
      return found(RULES.sqlProcedure, lexer.end);
    }
    if (state === S_DEAD) {
      // Once the reading is not SQL only UNION SELECT and EXEC xp_ can still decide.
      if (!unionPending && !mayHaveUnion && !mayHaveExec) return false;
      if (t === T_WORD) prevKw = kw;
      continue;
    }
    if (tokens === 1 && t === T_NUMBER) startsNumeric = true;
    const binaryBefore = afterBinary;
    if (t !== T_COMMENT) afterBinary = false;
    // WAITFOR DELAY '0:0:5' (SQL Server), DECLARE @x (batch), EXEC(@x) / EXEC xp_...
    if (prevKw === KW_WAITFOR && t === T_WORD && isWord(src, lexer.start, lexer.end, 'DELAY', 'TIME')) return found(RULES.sqlDelay, lexer.end);
    if (prevKw === KW_DECLARE && t === T_VAR) return found(RULES.sqlProcedure, lexer.end);
    if (prevKw === KW_EXEC && (t === T_LPAREN || t === T_VAR)) return found(RULES.sqlProcedure, lexer.end);
    // A statement keyword followed by two plain words is prose ("; select the best option").
    if (stmt !== 0 && t !== T_COMMENT) {
      const plain = t === T_WORD && kw === KW_NONE && !lexer.peekParen();
      if (stmt === 1 && plain) stmt = 2;
      else if (stmt === 2 && plain) { state = S_DEAD; continue; }
      else stmt = 0;
    } else if (stacked && t === T_COMMENT) {
      return found(RULES.sqlStacked, lexer.start); // "'; SHUTDOWN --", "10; DROP members --"
    }
    // A string left open must be closed by the application's own quote: only possible in its quote, or at the end
    // of a continuation (" AND ('a'='a" + the application's "')").
    if (t === T_STRING && lexer.unterminated && lexer.quote !== quote && !cont) { state = S_DEAD; continue; }
    const wasPrev = prevType;
    if (t !== T_COMMENT) { prevType = t; prevKw = kw; lastKw = kw; }

    if (state === S_OPERAND) {
      if (t === T_WORD && kw !== KW_NONE && kw !== KW_STMT && kw !== KW_SELECT && lexer.peekParen()) {
        call(); continue; // LIKE(...), IF(...), CHAR(...): keywords used as functions
      }
      if (t === T_STRING || t === T_NUMBER || t === T_VAR || (t === T_WORD && (kw === KW_NONE || kw === KW_VALUE))) {
        if (t === T_WORD && kw === KW_NONE && lexer.peekParen()) {
          const fn = dangerFunction(src, lexer.start, lexer.end);
          if (fn !== FN_NONE) return found(fn === FN_DELAY ? RULES.sqlDelay : RULES.sqlDanger, lexer.end);
          call();
          continue;
        }
        let isStrong: boolean;
        if (t === T_WORD && kw === KW_NONE) wordSeen = true; else literalSeen = true;
        if (t === T_NUMBER) isStrong = true;
        else if (t === T_VAR) { isStrong = true; medium |= M_VAR; if (lexer.system) { medium |= M_SQLFN; sysVar = true; } }
        else if (t === T_STRING) isStrong = brk && !(lexer.unterminated && quote === 34);
        else isStrong = brk && kw === KW_VALUE;
        operand(isStrong, t === T_STRING);
        state = S_AFTER;
        stmtPos = false;
        continue;
      }
      if (t === T_WORD) {
        if (kw === KW_NOT || kw === KW_CLAUSE || kw === KW_UNION || kw === KW_STRONG_CLAUSE) { stmtPos = false; continue; }
        if (kw === KW_DECLARE || kw === KW_EXEC || kw === KW_WAITFOR) continue; // judged by the next token
        if ((kw === KW_SELECT || kw === KW_STMT) && (stmtPos || wasPrev === T_LPAREN)) {
          stmt = 1;
          if (wasPrev === T_SEMI) stacked = true;
          if (kw === KW_SELECT) selectSeen = true;
          if (!stacked) medium |= M_STMT;
          stmtPos = false;
          continue;
        }
        state = S_DEAD; continue;
      }
      if (t === T_OP) {
        const c = src.charCodeAt(lexer.start);
        if (c === 42) { operand(false, false); state = S_AFTER; continue; } // SELECT *, COUNT(*)
        if (c === 45 || c === 43 || c === 126) continue; // unary - + ~
        state = S_DEAD; continue;
      }
      if (t === T_NOT || t === T_COMMENT) continue;
      if (t === T_LPAREN) {
        // "= (SELECT", "AND (SELECT": a subquery as an operand is SQL, whatever comes after it.
        if (binaryBefore && lexer.peekWord('SELECT')) return found(RULES.sqlSubquery, lexer.end);
        stmtPos = true;
        continue;
      }
      if (t === T_SEMI && tokens === 1) { stmtPos = true; continue; } // a value that starts a new statement
      if (t === T_RPAREN && wasPrev === T_LPAREN) { state = S_AFTER; continue; } // VERSION()
      state = S_DEAD;
      continue;
    }
    if (state === S_AFTER_NOT) {
      if (kw === KW_CMP) { binary(OP_CMP, false); pendingCmp = true; leftStrong = lastStrong; state = S_OPERAND; } else state = S_DEAD;
      continue;
    }
    // S_AFTER
    if (t === T_OP || t === T_CMP || t === T_LOGIC || kw === KW_LOGIC || kw === KW_CMP || kw === KW_ARITH) {
      const isCmp = t === T_CMP || kw === KW_CMP;
      const isLogic = t === T_LOGIC || kw === KW_LOGIC;
      binary(isCmp || isLogic ? OP_CMP : OP_ARITH, isLogic);
      if (isCmp) { pendingCmp = true; leftStrong = lastStrong; }
      afterBinary = true;
      state = S_OPERAND;
      continue;
    }
    if (t === T_RPAREN || kw === KW_POSTFIX) continue;
    if (t === T_COMMENT) {
      if (quoted && lexer.strongComment) setStrong(RULES.sqlComment, lexer.start + 2);
      else if (quoted || lexer.strongComment) medium |= M_COMMENT;
      if (quoted && blankComment(src, lexer.start, lexer.end)) weakComment = true;
      continue;
    }
    if (kw === KW_NOT) { state = S_AFTER_NOT; continue; }
    if (t === T_COMMA) { state = S_OPERAND; aliasUsed = false; continue; }
    if (kw === KW_CLAUSE || kw === KW_UNION) { medium |= M_CLAUSE; state = S_OPERAND; continue; }
    if (kw === KW_STRONG_CLAUSE) {
      // "1' ORDER BY 5#", "14968 ORDER BY 5": column-count probing right after the literal.
      // Probing needs a column number: "ORDER BY 5", not "order by phone".
      if ((brk || (startsNumeric && !wordSeen)) && (lexer.peekNumber() || !isProbeClause(src, lexer.start))) setStrong(RULES.sqlColumnProbe, lexer.end);
      else medium |= M_STRONG_CLAUSE;
      state = S_OPERAND;
      continue;
    }
    if (kw === KW_SELECT || kw === KW_STMT || kw === KW_DECLARE || kw === KW_EXEC || kw === KW_WAITFOR) {
      // SQL Server runs a statement written straight after the closing quote or parenthesis: x' EXEC xp_cmdshell,
      // ") WAITFOR DELAY '0:0:5'". After a double quote only WAITFOR is that unambiguous.
      if (!(quote === 39 || cont || kw === KW_WAITFOR)) { state = S_DEAD; continue; }
      if (kw === KW_SELECT || kw === KW_STMT) { stmt = 1; stacked = true; selectSeen ||= kw === KW_SELECT; }
      state = S_OPERAND;
      continue;
    }
    if (t === T_SEMI) {
      const next = lexer.next();
      // A statement ended by ';' (and perhaps a comment hiding the rest): "' or 1=1 LIMIT 1;#"
      if (next === T_END) break;
      if (next === T_COMMENT) { if (lexer.next() === T_END) break; state = S_DEAD; continue; }
      if (next === T_LPAREN) { state = S_OPERAND; stmtPos = true; prevType = next; continue; }
      const nk = next === T_WORD ? lexer.kw : KW_NONE;
      prevKw = nk;
      prevType = next;
      if (nk === KW_SELECT || nk === KW_STMT) { stmt = 1; stacked = true; selectSeen ||= nk === KW_SELECT; state = S_OPERAND; continue; }
      if (nk === KW_DECLARE || nk === KW_EXEC || nk === KW_WAITFOR) { state = S_OPERAND; continue; }
      state = S_DEAD;
      continue;
    }
    // "SELECT count(*) FROM users u1": one alias after an operand, inside a SELECT only.
    if (t === T_WORD && kw === KW_NONE && selectSeen && !aliasUsed && !lexer.peekParen()) { aliasUsed = true; continue; }
    state = S_DEAD;
  }
  if (stmt === 1 && stacked) return found(RULES.sqlStacked, src.length); // "; SHUTDOWN"
  // A reading cut after UNION ("... AND 1=0 UNION") is still SQL that was going on.
  // So is "SELECT 1 FROM foo WHERE": a select of literals cut after a clause.
  const valid = state === S_AFTER || (state === S_OPERAND && (lastKw === KW_UNION ||
    (selectSeen && literalSeen && (lastKw === KW_CLAUSE || lastKw === KW_STRONG_CLAUSE))));
  if (!valid) return false;
  // "BASE; SET SWAROVSKI": a statement keyword and one word is not a statement.
  let rule: Rule | undefined;
  if (stacked && stmt !== 2) rule = RULES.sqlStacked;
  else if (strong !== undefined) rule = strong;
  else if (popcount(medium) >= 2 && !cont) rule = RULES.sqlSignals;
  // A statement of keywords, literals and calls only: "SELECT current_user;", not "Select \"right\" Sanchez".
  else if (level >= 2 && (medium & M_STMT) !== 0 && stmt !== 2 && !wordSeen && !aliasUsed) rule = RULES.sqlStatement;
  else if (sysVar && level >= 1) rule = RULES.sqlSysVar;
  else if (level >= 2 && weakComment) rule = RULES.sqlWeakComment;
  else if (level >= 2 && brk && (medium & M_SQLFN) !== 0) rule = RULES.sqlFunction;
  else if (level >= 2 && logicLiteral) rule = RULES.sqlLogic;
  else if (level >= 3 && brk && medium !== 0) rule = RULES.sqlSingleSignal;
  if (rule === undefined || rule.level > level) return false;
  return found(rule, signalEnd < 0 ? src.length : signalEnd);

  function found(r: Rule, end: number): boolean {
    if (r.level > level) return false;
    hit.rule = r;
    hit.start = from;
    hit.end = end;
    const toks: string[] = [];
    for (let i = 0; i < trailLen; i++) toks.push(tok(src, trail[i * 2] as number, trail[i * 2 + 1] as number));
    hit.tokens = toks;
    return true;
  }
  function setStrong(r: Rule, end: number): void {
    if (strong === undefined) strong = r;
    if (signalEnd < 0) signalEnd = end;
  }
  function call(): void {
    medium |= M_FN;
    literalSeen = true;
    if (isSqlFunction(src, lexer.start, lexer.end)) medium |= M_SQLFN;
    stmtPos = false;
    operand(true, false); // the '(' follows: still expecting an operand
    aliasUsed = false;
  }
  function binary(kind: number, logic: boolean): void {
    if (logic) pendingLogic = true;
    else if (kind !== OP_CMP) logicLeft = false;
    if (firstOp === OP_NONE) firstOp = quote === 34 && kind === OP_ARITH ? -1 : kind;
    else firstOp = -1;
    aliasUsed = false;
  }
  function operand(isStrong: boolean, isString: boolean): void {
    // "x=x", "a = a": a comparison of a thing with itself is true whatever it names.
    if (pendingCmp && brk && pendingLogic && leftEnd > leftStart && lexer.end - lexer.start === leftEnd - leftStart &&
      src.slice(lexer.start, lexer.end).toLowerCase() === src.slice(leftStart, leftEnd).toLowerCase()) {
      isStrong = true;
      leftStrong = true;
    }
    if (pendingCmp) {
      if (isStrong || leftStrong) medium |= M_CMP;
      // A continuation "AND 7300=7300": a logic operator, then a comparison of literals.
      if (cont && logicLeft && isStrong && leftStrong) setStrong(RULES.sqlContinuation, lexer.end);
      logicLeft = false;
      // In a single-quoted reading any comparison of literals is the classic tautology: ' OR 'a'='a, aa'&0+1='aa
      if (((pendingLogic && brk) || (quote === 39)) && (isStrong || leftStrong)) setStrong(cont ? RULES.sqlContinuation : RULES.sqlTautology, lexer.end);
      pendingCmp = false;
    }
    if (pendingLogic && isStrong) {
      if (quoted) setStrong(RULES.sqlTautology, lexer.end); else { medium |= M_LOGIC; logicLiteral ||= cont; }
      pendingLogic = false;
      logicLeft = cont && !pendingCmp;
    }
    // Right after the broken-out quote: 'a'='a, A' || 'B, A' % 'B (arithmetic only between strings).
    if (firstOp === OP_CMP && isStrong) setStrong(RULES.sqlLiteralOp, lexer.end);
    if (firstOp === OP_ARITH && isStrong && isString && lexer.quote === quote) setStrong(RULES.sqlLiteralOp, lexer.end);
    if (firstOp > 0) firstOp = -1;
    lastStrong = isStrong;
    leftStart = lexer.start;
    leftEnd = lexer.end;
  }
}

function isWord(src: string, start: number, end: number, a: string, b: string): boolean {
  const w = src.slice(start, end).toUpperCase();
  return w === a || w === b;
}

/** EXEC master..xp_cmdshell, EXEC sp_executesql: the procedure families abused for command execution. */
function isProcName(src: string, start: number): boolean {
  const w = src.slice(start, start + 7).toLowerCase();
  return w.startsWith('xp_') || w.startsWith('sp_') || w.startsWith('master.');
}

/** ORDER BY / GROUP BY / HAVING / LIMIT: clauses that probe only with a number after them. */
function isProbeClause(src: string, start: number): boolean {
  const c = src.charCodeAt(start) | 32;
  return c === 111 ? (src.charCodeAt(start + 1) | 32) === 114 : c === 103 || c === 104 || c === 108;
}

/** A comment with nothing in it ("#", "-- ", "--+"): a truncation, not a product code like "#2 MOM". */
function blankComment(src: string, start: number, end: number): boolean {
  for (let i = start + (src.charCodeAt(start) === 35 ? 1 : 2); i < end; i++) {
    const c = src.charCodeAt(i);
    if (!(c <= 32 || c === 45 || c === 43)) return false;
  }
  return true;
}
