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
import {
  KW_ARITH, KW_CLAUSE, KW_CMP, KW_DECLARE, KW_EXEC, KW_LOGIC, KW_NONE, KW_NOT, KW_POSTFIX, KW_SELECT, KW_STMT,
  KW_STRONG_CLAUSE, KW_UNION, KW_VALUE, KW_WAITFOR, isDangerFunction, isSqlFunction,
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

const lexer = new SqlLexer();

/** Where the last hit was found: [start, end) in the judged string. */
export const hit = { start: 0, end: 0 };

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/**
 * Judges one reading of `src`: from `from` on, after the application's opening quote `quote` (the text before
 * `from` was a string literal that the quote at from-1 closed), or from the start in numeric context (quote 0).
 */
export function judgeReading(src: string, from: number, quote: number, mayHaveUnion = true): boolean {
  const quoted = quote !== 0;
  lexer.reset(src, from);
  let state = quoted ? S_AFTER : S_OPERAND;
  let strong = false;
  let medium = 0;
  let lastStrong = quoted;
  let leftStrong = false;
  let pendingLogic = false;
  let pendingCmp = false;
  let firstOp = quoted ? OP_NONE : -1; // -1: not applicable / already used
  let unionPending = false;
  let stmtPos = !quoted; // a statement may start here (start of value, after ';' or '(')
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

  for (let t = lexer.next(); t !== T_END; t = lexer.next()) {
    tokens++;
    const kw = t === T_WORD ? lexer.kw : KW_NONE;
    // UNION [ALL|DISTINCT] [(] SELECT: decided whatever surrounds it.
    if (kw === KW_UNION) unionPending = true;
    else if (unionPending) {
      if (kw === KW_SELECT) return found(lexer.end);
      if (!(t === T_LPAREN || t === T_COMMENT || kw === KW_CLAUSE)) unionPending = false;
    }
    if (state === S_DEAD) {
      // Once the reading is not SQL only UNION SELECT can still decide; without the word there is nothing to find.
      if (!unionPending && !mayHaveUnion) return false;
      continue;
    }
    if (tokens === 1 && t === T_NUMBER) startsNumeric = true;
    const binaryBefore = afterBinary;
    if (t !== T_COMMENT) afterBinary = false;
    // WAITFOR DELAY '0:0:5' (SQL Server), DECLARE @x (batch), EXEC(@x) / EXEC xp_...
    if (prevKw === KW_WAITFOR && t === T_WORD && isWord(src, lexer.start, lexer.end, 'DELAY', 'TIME')) return found(lexer.end);
    if (prevKw === KW_DECLARE && t === T_VAR) return found(lexer.end);
    if (prevKw === KW_EXEC && (t === T_LPAREN || t === T_VAR || (t === T_WORD && isProcName(src, lexer.start)))) return found(lexer.end);
    // A statement keyword followed by two plain words is prose ("; select the best option").
    if (stmt !== 0 && t !== T_COMMENT) {
      const plain = t === T_WORD && kw === KW_NONE && !lexer.peekParen();
      if (stmt === 1 && plain) stmt = 2;
      else if (stmt === 2 && plain) { state = S_DEAD; continue; }
      else stmt = 0;
    } else if (stacked && t === T_COMMENT) {
      return found(lexer.start); // "'; SHUTDOWN --", "10; DROP members --"
    }
    if (t === T_STRING && lexer.unterminated && lexer.quote !== quote) { state = S_DEAD; continue; } // cannot parse
    const wasPrev = prevType;
    if (t !== T_COMMENT) { prevType = t; prevKw = kw; lastKw = kw; }

    if (state === S_OPERAND) {
      if (t === T_WORD && kw !== KW_NONE && kw !== KW_STMT && kw !== KW_SELECT && lexer.peekParen()) {
        call(); continue; // LIKE(...), IF(...), CHAR(...): keywords used as functions
      }
      if (t === T_STRING || t === T_NUMBER || t === T_VAR || (t === T_WORD && (kw === KW_NONE || kw === KW_VALUE))) {
        if (t === T_WORD && kw === KW_NONE && lexer.peekParen()) {
          if (isDangerFunction(src, lexer.start, lexer.end)) return found(lexer.end);
          call();
          continue;
        }
        let isStrong: boolean;
        if (t === T_WORD) wordSeen = true; else literalSeen = true;
        if (t === T_NUMBER) isStrong = true;
        else if (t === T_VAR) { isStrong = true; medium |= M_VAR; if (lexer.system) { strong = true; mark(lexer.end); } }
        else if (t === T_STRING) isStrong = quoted && !(lexer.unterminated && quote === 34);
        else isStrong = quoted && kw === KW_VALUE;
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
        if (binaryBefore && lexer.peekWord('SELECT')) return found(lexer.end);
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
      if (quoted && lexer.strongComment) { strong = true; mark(lexer.start + 2); }
      else if (quoted || lexer.strongComment) medium |= M_COMMENT;
      continue;
    }
    if (kw === KW_NOT) { state = S_AFTER_NOT; continue; }
    if (t === T_COMMA) { state = S_OPERAND; aliasUsed = false; continue; }
    if (kw === KW_CLAUSE || kw === KW_UNION) { medium |= M_CLAUSE; state = S_OPERAND; continue; }
    if (kw === KW_STRONG_CLAUSE) {
      // "1' ORDER BY 5#", "14968 ORDER BY 5": column-count probing right after the literal.
      if (quoted || (startsNumeric && !wordSeen)) { strong = true; mark(lexer.end); } else medium |= M_STRONG_CLAUSE;
      state = S_OPERAND;
      continue;
    }
    if (kw === KW_SELECT || kw === KW_STMT || kw === KW_DECLARE || kw === KW_EXEC || kw === KW_WAITFOR) {
      // SQL Server runs a statement written straight after the closing quote: x' EXEC xp_cmdshell ...
      if (quote !== 39) { state = S_DEAD; continue; }
      if (kw === KW_SELECT || kw === KW_STMT) { stmt = 1; stacked = true; selectSeen ||= kw === KW_SELECT; }
      state = S_OPERAND;
      continue;
    }
    if (t === T_SEMI) {
      const next = lexer.next();
      if (next === T_END) break;
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
  if (stmt === 1 && stacked) return found(src.length); // "; SHUTDOWN"
  // A reading cut after UNION ("... AND 1=0 UNION") is still SQL that was going on.
  // So is "SELECT 1 FROM foo WHERE": a select of literals cut after a clause.
  const valid = state === S_AFTER || (state === S_OPERAND && (lastKw === KW_UNION ||
    (selectSeen && literalSeen && (lastKw === KW_CLAUSE || lastKw === KW_STRONG_CLAUSE))));
  if (!valid) return false;
  // "BASE; SET SWAROVSKI": a statement keyword and one word is not a statement.
  if ((stacked && stmt !== 2) || strong || popcount(medium) >= 2) {
    hit.start = from;
    hit.end = signalEnd < 0 ? src.length : signalEnd;
    return true;
  }
  return false;

  function found(end: number): boolean {
    hit.start = from;
    hit.end = end;
    return true;
  }
  function mark(end: number): void {
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
    if (firstOp === OP_NONE) firstOp = quote === 34 && kind === OP_ARITH ? -1 : kind;
    else firstOp = -1;
    aliasUsed = false;
  }
  function operand(isStrong: boolean, isString: boolean): void {
    if (pendingCmp) {
      if (isStrong || leftStrong) medium |= M_CMP;
      // In a single-quoted reading any comparison of literals is the classic tautology: ' OR 'a'='a, aa'&0+1='aa
      if ((pendingLogic || quote === 39) && quoted && (isStrong || leftStrong)) { strong = true; mark(lexer.end); }
      pendingCmp = false;
    }
    if (pendingLogic && isStrong) {
      if (quoted) { strong = true; mark(lexer.end); } else medium |= M_LOGIC;
      pendingLogic = false;
    }
    // Right after the broken-out quote: 'a'='a, A' || 'B, A' % 'B (arithmetic only between strings).
    if (firstOp === OP_CMP && isStrong) { strong = true; mark(lexer.end); }
    if (firstOp === OP_ARITH && isStrong && isString && lexer.quote === quote) { strong = true; mark(lexer.end); }
    if (firstOp > 0) firstOp = -1;
    lastStrong = isStrong;
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
