import { describe, expect, it } from 'vitest';
import { detectSqli } from './index.js';

const at = (v: string, level: 1 | 2 | 3 | 4 = 1): string | undefined => detectSqli(v, level)?.rule.id;

describe('SQL injection judge', () => {
  it.each([
    ["' OR 1=1--", "O'Brien"],
    ["admin'-- ", "admin's page"],
    ["1' AND '1'='1", "1'st place"],
    ['1 UNION SELECT username, password FROM users', '1 union member'],
    ['-1 union/**/select 1,2,3', 'union station, select comfort'],
    ["1; DROP TABLE users --", '1; drop me a line'],
    ['1 AND SLEEP(5)', 'sleep well'],
    ["x' AND extractvalue(1,concat(0x7e,version()))-- ", 'extract value from the concat'],
    ['14968 ORDER BY 5', 'order by phone'],
    ["'; WAITFOR DELAY '0:0:5'--", 'wait for delay notices'],
    ['1 or 1=(select top 1 name from sysobjects)', 'select the best option'],
    ["aa'&0+1='aa", 'rock & roll'],
  ])('refuses %j and passes its twin %j', (attack, twin) => {
    expect(at(attack)).toBeDefined();
    expect(at(twin, 2)).toBeUndefined();
  });

  it.each(['1 BY 1 INCH PILLOWS', 'WHERE IS GEORGE', 'C:\\Program Files', 'and/or', 'Y\'ALL COME BACK NOW', '2" x 4" lumber',
    'BASE; SET SWAROVSKI', '8-bit Limit (BRK)', 'Don\'t -- I repeat -- don\'t', 'Tom and Jerry = fun', 'Between 1 and 10',
    'order by phone or email', '7" #2 CIRCULAR NEEDLE', 'Select "right" Sanchez', 'User(foo),junk'])('passes prose %j at level 2', (v) => {
    expect(at(v, 2)).toBeUndefined();
  });

  it.each([
    ["1'/*!50000UNION*//*!50000SELECT*/1,2,3-- -", 'sqli.union-select'],
    ['1 uNiOn aLl sElEcT 1,table_name FROM information_schema.tables', 'sqli.union-select'],
    ['1;SELECT pg_sleep(5)--', 'sqli.time-delay'],
    ['1) OR BENCHMARK(5000000,MD5(1))#', 'sqli.time-delay'],
    ['")) waitfor delay \'0:0:20\' --', 'sqli.time-delay'],
    ["1'or'1'='1", 'sqli.tautology'],
    ["1'||(SELECT CHR(65))||'", 'sqli.subquery'],
    [' AND 7300=7300 AND (\'pKlZ\'=\'pKlZ', 'sqli.continuation'],
    [' OR x=x#', 'sqli.continuation'],
    ["' or 1=1 LIMIT 1;#", 'sqli.tautology'],
    ["'AND 1.-1LIKE.1 EXEC xp_cmdshell 'dir ", 'sqli.procedure'],
    ['select * from master..sysservers', 'sqli.signals'],
  ])('reads dialect spellings: %j is %s', (v, rule) => {
    expect(at(v)).toBe(rule);
  });

  it('adds weaker readings at higher levels', () => {
    expect(at('select current_user;', 1)).toBeUndefined();
    expect(at('select current_user;', 2)).toBe('sqli.statement');
    expect(at("1'1", 3)).toBeUndefined();
    expect(at("1'1", 4)).toBe('sqli.quote-probe');
  });

  it('names the tokens that decided, from the context break', () => {
    const f = detectSqli("name' OR 'a'='a" + ' '.repeat(200), 1);
    expect(f?.rule.id).toBe('sqli.tautology');
    expect(f?.tokens.slice(0, 3)).toEqual(["'", 'OR', "'a'"]);
    expect((f?.end ?? 0) - (f?.start ?? 0)).toBeLessThanOrEqual(64);
  });

  it('treats a doubled quote as an escaped quote, not as the break', () => {
    expect(at("a''12' and pi()=pi()--")).toBeDefined();
    expect(at("it''s fine", 2)).toBeUndefined();
  });
});
