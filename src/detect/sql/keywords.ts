/**
 * SQL words the judge cares about, by role. Words not listed are plain identifiers. The table is small on
 * purpose: the judge decides on token sequences, not on the presence of a keyword.
 */
export const KW_NONE = 0;
export const KW_LOGIC = 1; // AND OR XOR
export const KW_CMP = 2; // LIKE IS IN BETWEEN ...: binary comparison words
export const KW_ARITH = 3; // DIV MOD
export const KW_NOT = 4; // NOT, BINARY: prefix operators
export const KW_VALUE = 5; // NULL TRUE FALSE
export const KW_UNION = 6;
export const KW_SELECT = 7;
export const KW_STMT = 8; // statement starters other than SELECT
export const KW_CLAUSE = 9; // FROM WHERE AS ...
export const KW_STRONG_CLAUSE = 10; // clauses that prose never produces after a value: ORDER BY, HAVING, INTO OUTFILE
export const KW_POSTFIX = 11; // DESC ASC END: may close an expression
export const KW_ORDER_GROUP = 12; // ORDER/GROUP: a clause only when BY follows
export const KW_DECLARE = 13;
export const KW_EXEC = 14;
export const KW_WAITFOR = 15;

const TABLE: ReadonlyArray<readonly [number, string]> = [
  [KW_LOGIC, 'AND OR XOR'],
  [KW_CMP, 'LIKE RLIKE REGEXP IS IN BETWEEN SOUNDS GLOB ILIKE'],
  [KW_ARITH, 'DIV MOD'],
  [KW_NOT, 'NOT BINARY'],
  [KW_VALUE, 'NULL TRUE FALSE UNKNOWN CURRENT_USER CURRENT_DATE CURRENT_TIME SYSDATE'],
  [KW_UNION, 'UNION INTERSECT EXCEPT MINUS'],
  [KW_SELECT, 'SELECT'],
  [KW_STMT, 'INSERT UPDATE DELETE DROP CREATE ALTER TRUNCATE SHUTDOWN GRANT REVOKE LOAD HANDLER CALL RENAME SET REPLACE BEGIN'],
  [KW_CLAUSE, 'FROM WHERE OFFSET AS ON JOIN LEFT RIGHT INNER OUTER CROSS NATURAL ALL DISTINCT COLLATE ESCAPE TABLE DATABASE VALUES USING CASE WHEN THEN ELSE TOP INTERVAL ANY SOME EXISTS FOR'],
  [KW_STRONG_CLAUSE, 'HAVING LIMIT INTO OUTFILE DUMPFILE PROCEDURE ANALYSE'],
  [KW_POSTFIX, 'DESC ASC END'],
  [KW_ORDER_GROUP, 'ORDER GROUP'],
  [KW_DECLARE, 'DECLARE'],
  [KW_EXEC, 'EXEC EXECUTE'],
  [KW_WAITFOR, 'WAITFOR'],
];

export const FN_NONE = 0, FN_DELAY = 1, FN_DANGER = 2;

/** Functions whose call makes the database wait: time-based blind injection. */
const DELAY_FUNCTIONS = 'SLEEP BENCHMARK PG_SLEEP RANDOMBLOB DBMS_PIPE.RECEIVE_MESSAGE DBMS_LOCK.SLEEP DBMS_SESSION.SLEEP';

/**
 * Functions whose call is an attack in itself when it sits in valid SQL after a context break: file access,
 * command execution, out-of-band requests and error-based extraction. Ordinary functions only add weight.
 */
const DANGER_FUNCTIONS = 'LOAD_FILE EXTRACTVALUE UPDATEXML XP_CMDSHELL XP_DIRTREE XP_FILEEXIST SYS_EVAL SYS_EXEC ' +
  'GROUP_CONCAT CONCAT_WS JSON_KEYS GTID_SUBSET GTID_SUBTRACT NAME_CONST UTL_INADDR.GET_HOST_ADDRESS UTL_INADDR.GET_HOST_NAME ' +
  'UTL_HTTP.REQUEST CTXSYS.DRITHSX.SN XMLTYPE DBMS_XMLGEN.GETXML PG_READ_FILE PG_LS_DIR LO_IMPORT LO_EXPORT ' +
  'OPENROWSET OPENDATASOURCE OPENQUERY DBLINK DBLINK_CONNECT SQLITE_VERSION LOAD_EXTENSION POLYGON MULTIPOINT ' +
  'GEOMETRYCOLLECTION MULTILINESTRING MULTIPOLYGON LINESTRING';

/**
 * Functions that exist only in SQL dialects (version and user probes, string surgery used for blind
 * extraction, casts). A call to one of them weighs more than an arbitrary function call.
 */
const SQL_FUNCTIONS = 'VERSION DATABASE SCHEMA SYSTEM_USER SESSION_USER ASCII SUBSTRING SUBSTR MID CHAR CHR NCHAR ' +
  'CONCAT HEX UNHEX CONV COMPRESS UNCOMPRESS CAST CONVERT IFNULL ISNULL NULLIF COALESCE ELT MAKE_SET ORD DB_NAME ' +
  'USER_NAME HOST_NAME SUSER_NAME SUSER_SNAME QUOTENAME IIF SCHEMA_NAME CURRENT_USER CURRENT_DATABASE PG_CLIENT_ENCODING ' +
  'OBJECT_ID SERVERPROPERTY';

export const KEY_MAX = 10;
const byKey = new Map<number, number>();
const byName = new Map<string, number>();
const dangerByKey = new Map<number, number>();
const dangerByName = new Map<string, number>();
const sqlFnByKey = new Set<number>();
const sqlFnByName = new Set<string>();

export function letterCode(c: number): number {
  if (c >= 97 && c <= 122) return c - 96;
  if (c >= 65 && c <= 90) return c - 64;
  if (c === 95) return 27;
  return 0;
}

function keyOfString(w: string): number {
  let k = 0;
  for (let i = 0; i < w.length; i++) {
    const l = letterCode(w.charCodeAt(i));
    if (l === 0 || i >= KEY_MAX) return -1;
    k = k * 32 + l;
  }
  return k;
}

for (const [kind, words] of TABLE) {
  for (const w of words.split(' ')) {
    const k = keyOfString(w);
    if (k >= 0) byKey.set(k, kind); else byName.set(w, kind);
  }
}
for (const [list, kind] of [[DELAY_FUNCTIONS, FN_DELAY], [DANGER_FUNCTIONS, FN_DANGER]] as const) {
  for (const w of list.split(' ')) {
    const k = keyOfString(w);
    if (k >= 0) dangerByKey.set(k, kind); else dangerByName.set(w, kind);
  }
}

for (const w of SQL_FUNCTIONS.split(' ')) {
  const k = keyOfString(w);
  if (k >= 0) sqlFnByKey.add(k); else sqlFnByName.add(w);
}

export function isSqlFunction(src: string, start: number, end: number): boolean {
  const k = wordKey(src, start, end);
  if (k >= 0) return sqlFnByKey.has(k);
  return sqlFnByName.has(src.slice(start, end).toUpperCase());
}

/** Keyword role of src[start, end), KW_NONE for a plain identifier. */
export function keywordOf(src: string, start: number, end: number): number {
  const k = wordKey(src, start, end);
  if (k >= 0) return byKey.get(k) ?? KW_NONE;
  if (byName.size === 0) return KW_NONE;
  return byName.get(src.slice(start, end).toUpperCase()) ?? KW_NONE;
}

/** FN_DELAY for a time-delay function, FN_DANGER for a file/command/extraction function, FN_NONE otherwise. */
export function dangerFunction(src: string, start: number, end: number): number {
  const k = wordKey(src, start, end);
  if (k >= 0) return dangerByKey.get(k) ?? FN_NONE;
  return dangerByName.get(src.slice(start, end).toUpperCase()) ?? FN_NONE;
}

function wordKey(src: string, start: number, end: number): number {
  if (end - start > KEY_MAX) return -1;
  let k = 0;
  for (let i = start; i < end; i++) {
    const l = letterCode(src.charCodeAt(i));
    if (l === 0) return -1;
    k = k * 32 + l;
  }
  return k;
}
