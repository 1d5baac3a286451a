import { describe, expect, it } from 'vitest';
import { detectRequest, detectValue, type DetectContext } from './index.js';
import { work } from './work.js';

/**
 * Inputs built to make a backtracking or rescanning detector quadratic: long runs of each trigger of each
 * detector (quotes, comments, tags, attributes, shell operators and expansions, template openers, nested
 * lookups, encodings, traversal segments). Work is counted by the scanners themselves (work.units: characters
 * and tokens visited), never timed: the machine is shared.
 */
const PATTERNS = [
  "'", '"', '`', '<a ', '<', '<x:', '</a', ' on', ' onx', 'onerror=', '<a href=', 'javascript:', 'data:', 'url(', 'expression',
  '/*', '/*!', '--', '#', "'||'", "' or 1=1 ", 'union ', 'select ', 'or 1=', '(', ')', '0x', '@@', 'exec ', ';', '|', '&&', '$(',
  '${', '${${', '$((', '$[', '$IFS', '{a,', '<(', '%', '%25', '%c0%af', '%u2215', '&#', '&#x', '\\u00', '\\x', '^', '%COMSPEC%',
  '{{', '{%', '<%', '#{', '[[', '@(', '../', '..', '..;/', '....//', '.', ' ', '\n', '=', 'a=', '@', '__proto', 'constructor',
  'http://', 'gopher://', 'file://', '/etc/passwd', 'iex(', '.downloadstring', 'system(', "require('", 'eval(', '<!--#', '<?',
  '<!DOCTYPE x [', 'base64,', ' -enc ', '+AD', "\\'", '"\\', 'c\\at ', "w'h'o", '/bi?/ca? ', '*', 'Ø',
];

const CONTEXTS: readonly DetectContext[] = [{ level: 4 }, { level: 4, kind: 'url' }, { level: 4, kind: 'path' }, { level: 1 }];

function unitsOf(value: string): number {
  const before = work.units;
  for (const ctx of CONTEXTS) detectValue(value, ctx);
  return work.units - before;
}

function requestUnits(payload: string): number {
  const before = work.units;
  const enc = encodeURIComponent(payload);
  detectRequest({ uri: `/a/${enc}?q=${enc}&${enc}=1`, headers: { 'user-agent': payload, cookie: `a=${enc}`, referer: `http://x/?q=${enc}` }, body: `<r a="${payload.replace(/"/g, '&quot;')}">${payload.replace(/</g, '&lt;')}</r>` }, { level: 4 });
  detectRequest({ uri: '/', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: `--b\r\nContent-Disposition: form-data; name="f"; filename="${payload}"\r\n\r\n${payload}\r\n--b--` }, { level: 4 });
  detectRequest({ uri: '/', body: `k=${enc}&${enc}` }, { level: 4 });
  return work.units - before;
}

const SMALL = 1_000;
const LARGE = 10_000;

describe('linear time on adversarial input (counted work, not wall clock)', () => {
  it('does work proportional to the value: 10x the input is at most 12x the work, and a bounded amount per character', () => {
    for (const p of PATTERNS) {
      const small = p.repeat(Math.ceil(SMALL / p.length));
      const large = p.repeat(Math.ceil(LARGE / p.length));
      const a = unitsOf(small);
      const b = unitsOf(large);
      expect(b / a, `pattern ${JSON.stringify(p)}: ${a} -> ${b} units`).toBeLessThan(12);
      expect(b / large.length, `pattern ${JSON.stringify(p)}: units per character`).toBeLessThan(PER_CHAR);
    }
  });

  it('reads raw requests (path, query, headers, cookies, XML, multipart, forms) in linear work too', () => {
    for (const p of PATTERNS) {
      const small = p.repeat(Math.ceil(SMALL / p.length));
      const large = p.repeat(Math.ceil(LARGE / p.length));
      const a = requestUnits(small);
      const b = requestUnits(large);
      // A request stops at its first finding, and a small one may stop earlier than a large one: the ratio
      // allows for that, and stays far below the 100x of a quadratic reader.
      expect(b / a, `pattern ${JSON.stringify(p)}: ${a} -> ${b} units`).toBeLessThan(25);
      expect(b / large.length, `pattern ${JSON.stringify(p)}: units per character`).toBeLessThan(4 * PER_CHAR);
    }
  });

  it('counts the work it does: a value that is twice as long costs more', () => {
    // Guards the test itself: if the scanners stopped counting, the assertions above could not fail.
    expect(unitsOf('x'.repeat(2000) + "'")).toBeGreaterThan(unitsOf('x'.repeat(1000) + "'"));
  });
});

/** Units of work per input character at most (four contexts, every level-4 rule). Measured: see the test message. */
const PER_CHAR = 1_000;
