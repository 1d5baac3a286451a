/**
 * What in a JSON text two conforming parsers may read differently (RFC 8259 leaves each of these
 * to the implementation; I-JSON, RFC 7493, forbids them):
 *
 * - a member name repeated in one object: `JSON.parse` keeps the last, Go's `encoding/json` the
 *   last, Jackson the last or an error, many hand-written and streaming parsers the first. The
 *   gateway would validate one value and the upstream act on the other (`{"q":"ok","q":"' OR 1=1"}`);
 * - an escaped lone surrogate (`"\ud800"`): not a Unicode string; decoders replace it, drop it or
 *   fail, each differently;
 * - a number a double does not hold as written: the integer `9007199254740993` is read as ...992
 *   here and exactly by Python, Java's BigInteger or Go's int64; `1e400` overflows to Infinity
 *   here and to an error or `inf` elsewhere; `1e-400` underflows to 0 here and to 1E-400 in a
 *   decimal reader; digits past a double's precision are dropped here and kept by decimal readers;
 * - `-0` written as an integer: negative zero here, 0 to every integer reader.
 *
 * Written by hand because no parser in the dependency set reports any of these: `JSON.parse`
 * builds the value (and refuses bad syntax), then this scanner walks the same text once. It
 * assumes the text is syntactically valid JSON (it runs after `JSON.parse` succeeded), so it
 * only tracks strings, containers and numbers, and allocates only the member names it compares.
 */

export interface JsonProblem {
  /** Safe for a client: names the rule, never echoes a value. */
  readonly detail: string;
  /** JSON pointer to the object or value concerned (member names are echoed, as validation issues do). */
  readonly pointer: string;
}

/** Objects with more members than this switch from a linear search to a Set for duplicate checks. */
const LINEAR_MEMBERS = 16;
/** Decimal digits every double round-trips (DBL_DIG): shorter plain numbers need no check. */
const ALWAYS_EXACT_DIGITS = 15;

export function findJsonAmbiguity(text: string): JsonProblem | undefined {
  // Scanning is synchronous, so one scanner serves every request: no allocation per body beyond
  // the member names. The pointer of a problem is built by a second, tracking pass over the text.
  const found = SCANNER.scan(text, false);
  return found === undefined ? undefined : SCANNER.scan(text, true);
}

class Scanner {
  private t = '';
  private problem: JsonProblem | undefined = undefined;
  /** Position of the next backslash at or after some earlier point; t.length when none is left. */
  private nextBackslash = -1;
  /** Member names of the open objects, flat (`count` used); each open object's start in `starts`. */
  private readonly names: string[] = [];
  private count = 0;
  /** Per open container, by depth: index into `names` where its members start, -1 for an array. */
  private readonly starts: number[] = [];
  private readonly sets: (Set<string> | undefined)[] = [];
  /** Per open container, while tracking: the current member name or array index. */
  private readonly keys: (string | number)[] = [];
  private depth = 0;
  private expectKey = false;
  private track = false;

  scan(text: string, track: boolean): JsonProblem | undefined {
    this.t = text;
    this.problem = undefined;
    this.nextBackslash = -1;
    this.count = 0;
    this.depth = 0;
    this.expectKey = false;
    this.track = track;
    try {
      return this.run();
    } finally {
      // Keep no request data past the call.
      this.t = '';
      this.problem = undefined;
      this.names.length = 0;
      this.sets.length = 0;
      this.keys.length = 0;
    }
  }

  private run(): JsonProblem | undefined {
    const t = this.t;
    const n = t.length;
    const starts = this.starts;
    let i = 0;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === 0x22 /* " */) {
        i = this.string(i);
        if (i === -1) return this.problem;
      } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
        i = this.number(i);
        if (i === -1) return this.problem;
      } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        const d = this.depth++;
        const object = c === 0x7b;
        starts[d] = object ? this.count : -1;
        this.sets[d] = undefined;
        if (this.track) this.keys[d] = object ? '' : 0;
        this.expectKey = object;
        i++;
      } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        const start = starts[--this.depth] as number;
        if (start !== -1) this.count = start;
        this.expectKey = false;
        i++;
      } else if (c === 0x2c /* , */) {
        const d = this.depth - 1;
        const array = starts[d] === -1;
        if (array && this.track) this.keys[d] = (this.keys[d] as number) + 1;
        this.expectKey = !array;
        i++;
      } else {
        // Whitespace, ':' and the letters of true/false/null.
        i++;
      }
    }
    return undefined;
  }

  /** At the opening quote `open`: checks escapes, and a member name against its object's others. The index after it, or -1. */
  private string(open: number): number {
    const t = this.t;
    let j = open + 1;
    let escaped = false;
    let close: number;
    for (;;) {
      if (this.nextBackslash < j) {
        const b = t.indexOf('\\', j);
        this.nextBackslash = b === -1 ? t.length : b;
      }
      close = t.indexOf('"', j);
      if (this.nextBackslash > close) break;
      escaped = true;
      const after = this.escape(this.nextBackslash);
      if (after === -1) return this.fail('a string holds an escaped lone surrogate (not Unicode text)', undefined);
      j = after;
    }
    if (!this.expectKey) return close + 1;
    this.expectKey = false;
    const name = escaped ? (JSON.parse(t.slice(open, close + 1)) as string) : t.slice(open + 1, close);
    return this.member(name) ? close + 1 : -1;
  }

  private fail(detail: string, member: string | undefined): -1 {
    this.problem = { detail, pointer: this.pointer(member) };
    return -1;
  }

  /** The index after the escape at `b`, or -1 for a lone surrogate. */
  private escape(b: number): number {
    const t = this.t;
    if (t.charCodeAt(b + 1) !== 0x75 /* u */) return b + 2;
    const unit = parseInt(t.slice(b + 2, b + 6), 16);
    if (unit < 0xd800 || unit > 0xdfff) return b + 6;
    if (unit >= 0xdc00) return -1;
    // A high surrogate must be followed at once by an escaped low one.
    if (t.charCodeAt(b + 6) !== 0x5c || t.charCodeAt(b + 7) !== 0x75) return -1;
    const low = parseInt(t.slice(b + 8, b + 12), 16);
    return low >= 0xdc00 && low <= 0xdfff ? b + 12 : -1;
  }

  /** Records a member name; false (with the problem set) when its object already has it. */
  private member(name: string): boolean {
    const d = this.depth - 1;
    if (this.track) this.keys[d] = name;
    const set = this.sets[d];
    if (set !== undefined) {
      if (set.has(name)) return this.duplicate(name);
      set.add(name);
      return true;
    }
    const names = this.names;
    const start = this.starts[d] as number;
    const end = this.count;
    for (let k = start; k < end; k++) if (names[k] === name) return this.duplicate(name);
    names[this.count++] = name;
    if (this.count - start > LINEAR_MEMBERS) this.sets[d] = new Set(names.slice(start, this.count));
    return true;
  }

  private duplicate(name: string): false {
    const clipped = name.length > 64 ? `${name.slice(0, 64)}…` : name;
    this.fail(`a member name is repeated in one object ("${clipped}"); parsers disagree on which value counts`, name);
    return false;
  }

  /** At the first character of a number: the index after it, or -1. */
  private number(start: number): number {
    const t = this.t;
    let k = start;
    const negative = t.charCodeAt(k) === 0x2d;
    if (negative) k++;
    const intStart = k;
    while (isDigit(t.charCodeAt(k))) k++;
    let digits = k - intStart;
    let plain = true;
    if (t.charCodeAt(k) === 0x2e /* . */) {
      plain = false;
      const fracStart = ++k;
      while (isDigit(t.charCodeAt(k))) k++;
      digits += k - fracStart;
    }
    let exponent = false;
    const e = t.charCodeAt(k);
    if (e === 0x65 || e === 0x45) {
      exponent = true;
      plain = false;
      k++;
      const sign = t.charCodeAt(k);
      if (sign === 0x2b || sign === 0x2d) k++;
      while (isDigit(t.charCodeAt(k))) k++;
    }
    if (plain) {
      if (negative && digits === 1 && t.charCodeAt(intStart) === 0x30) return this.fail('-0 as an integer is negative zero to some parsers and 0 to others', undefined);
      if (digits <= ALWAYS_EXACT_DIGITS || exactInteger(t.slice(start, k))) return k;
      return this.fail('an integer a double cannot hold exactly: rounded by some parsers, read exactly by others', undefined);
    }
    if (!exponent && digits <= ALWAYS_EXACT_DIGITS) return k;
    return exactAsDouble(t.slice(negative ? start + 1 : start, k)) ? k : this.fail('a number holds more precision or range than a double: parsers would read different values', undefined);
  }

  /** The pointer of the current position (while tracking); `member` names a duplicate in the innermost object. */
  private pointer(member: string | undefined): string {
    if (!this.track) return '';
    let out = '';
    const depth = this.depth;
    for (let f = 0; f < depth; f++) {
      const last = f === depth - 1;
      // A problem inside a member name points at its object.
      if (last && member === undefined && this.starts[f] !== -1 && this.expectKey) break;
      const key = last && member !== undefined ? member : this.keys[f];
      out += `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;
    }
    return out.length > 200 ? '' : out;
  }
}

const SCANNER = new Scanner();

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Integer literals are read exactly by integer readers (Python, Java's BigInteger, Go's int64)
 * and as the nearest double here: they agree only when that double is the literal's value.
 */
function exactInteger(literal: string): boolean {
  const d = Number(literal);
  return Number.isFinite(d) && BigInt(d) === BigInt(literal);
}

/**
 * Numbers with a fraction or an exponent are read as doubles by virtually every parser (decimal
 * readers are opt-in). True when the non-negative decimal `literal` is exactly what its nearest double prints as (its
 * shortest round-trip form): then a double reader and a decimal reader agree on the value. Catches
 * overflow (Infinity), underflow (to 0 or a subnormal with fewer digits) and excess precision.
 */
export function exactAsDouble(literal: string): boolean {
  const d = Number(literal);
  if (!Number.isFinite(d)) return false;
  return decimalKey(literal) === decimalKey(String(d));
}

/** `0012.3400e1` -> `1234e-1`: significant digits and the power of ten of the last one. */
function decimalKey(text: string): string {
  const lower = text.toLowerCase();
  const e = lower.indexOf('e');
  const mantissa = e === -1 ? lower : lower.slice(0, e);
  let exp = e === -1 ? 0 : Number(lower.slice(e + 1));
  const dot = mantissa.indexOf('.');
  let digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  if (dot !== -1) exp -= mantissa.length - dot - 1;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 0x30) lead++;
  digits = digits.slice(lead);
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 0x30) { end--; exp++; }
  digits = digits.slice(0, end);
  return digits === '' ? '0' : `${digits}e${exp}`;
}
