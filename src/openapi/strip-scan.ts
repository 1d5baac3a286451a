import { itemSchemas, planFor, type Plan } from './strip.js';

/*
 * Whether a JSON response can go out exactly as the upstream sent it: it is valid JSON and
 * `stripUndeclared` would remove nothing from it. One pass over the bytes that builds no value
 * (only object keys are decoded, to look them up in the strip plan), where JSON.parse would
 * materialise every string, number and object just for the strip to find nothing. Written by
 * hand: a JSON parser builds values, and a validator needs them built. Any doubt (invalid JSON,
 * a key strip would remove, nesting too deep) answers false and the caller parses and strips.
 */

const MAX_DEPTH = 512;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when `bytes` is valid JSON and stripping it against `schema` would remove nothing. */
export function conformsToDeclared(bytes: Buffer, schema: object): boolean {
  const scan = new Scan(bytes);
  scan.ws();
  if (!scan.value([schema], 0)) return false;
  scan.ws();
  return scan.at === bytes.length;
}

class Scan {
  at = 0;

  constructor(private readonly b: Buffer) {}

  ws(): void {
    const b = this.b;
    let i = this.at;
    while (i < b.length) {
      const c = b[i] as number;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.at = i;
  }

  /** One value; `schemas` as strip would pass them (empty: nothing inside is stripped). */
  value(schemas: readonly object[], depth: number): boolean {
    const c = this.b[this.at];
    if (c === 0x7b) return depth < MAX_DEPTH && this.object(schemas, depth + 1);
    if (c === 0x5b) return depth < MAX_DEPTH && this.array(schemas, depth + 1);
    if (c === QUOTE) return this.string() !== -1;
    if (c === 0x74) return this.word(0x74, 0x72, 0x75, 0x65); // true
    if (c === 0x66) return this.word5(); // false
    if (c === 0x6e) return this.word(0x6e, 0x75, 0x6c, 0x6c); // null
    return this.number();
  }

  private object(schemas: readonly object[], depth: number): boolean {
    const b = this.b;
    // Strip leaves this object alone (no schema) yet the syntax must still hold.
    const plan = schemas.length === 0 ? undefined : planFor(schemas);
    this.at++;
    this.ws();
    if (b[this.at] === 0x7d) { this.at++; return true; }
    for (;;) {
      if (b[this.at] !== QUOTE) return false;
      const start = this.at + 1;
      const end = this.string();
      if (end === -1) return false;
      this.ws();
      if (b[this.at] !== 0x3a) return false;
      this.at++;
      this.ws();
      let inner: readonly object[] = NONE;
      if (plan !== undefined) {
        // Declared names are matched on the raw bytes: no string is made for the common key.
        const declared = plainKey(b, start, end) ? declaredAt(plan, b, start, end) : undefined;
        if (declared !== undefined) inner = declared;
        else {
          const key = this.key(start, end);
          if (key === undefined) return false;
          const byName = plan.props.get(key);
          const matching = byName !== undefined || plan.patterns.length === 0 ? NONE : plan.patterns.filter((p) => p.re.test(key)).map((p) => p.schema);
          if (byName !== undefined) inner = byName;
          else if (matching.length > 0) inner = matching;
          else if (plan.additional.length > 0) inner = plan.additional;
          else if (!plan.keepAll) return false; // strip would remove this property
        }
      }
      if (!this.value(inner, depth)) return false;
      this.ws();
      const c = b[this.at];
      this.at++;
      if (c === 0x7d) return true;
      if (c !== 0x2c) return false;
      this.ws();
    }
  }

  private array(schemas: readonly object[], depth: number): boolean {
    const b = this.b;
    const plan = schemas.length === 0 ? undefined : planFor(schemas);
    this.at++;
    this.ws();
    if (b[this.at] === 0x5d) { this.at++; return true; }
    for (let i = 0; ; i++) {
      const inner = plan === undefined ? NONE : plan.prefixItems.length === 0 ? plan.items : itemSchemas(plan, i);
      if (!this.value(inner, depth)) return false;
      this.ws();
      const c = b[this.at];
      this.at++;
      if (c === 0x5d) return true;
      if (c !== 0x2c) return false;
      this.ws();
    }
  }

  /** Skips a string at `at` (a quote); returns the index of its closing quote, -1 if invalid. */
  private string(): number {
    const b = this.b;
    let i = this.at + 1;
    while (i < b.length) {
      const c = b[i] as number;
      if (c === QUOTE) {
        this.at = i + 1;
        return i;
      }
      if (c < 0x20) return -1;
      if (c === BACKSLASH) {
        const e = b[i + 1];
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) if (!isHex(b[i + k])) return -1;
          i += 6;
          continue;
        }
        if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
        i += 2;
        continue;
      }
      i++;
    }
    return -1;
  }

  /** The key between `start` and `end` (exclusive), decoded as JSON.parse would. */
  private key(start: number, end: number): string | undefined {
    const b = this.b;
    let plain = true;
    for (let i = start; i < end; i++) {
      const c = b[i] as number;
      if (c === BACKSLASH || c >= 0x80) { plain = false; break; }
    }
    if (plain) return (b as SlicingBuffer).latin1Slice(start, end);
    try {
      return JSON.parse(b.toString('utf8', start - 1, end + 1)) as string;
    } catch {
      return undefined;
    }
  }

  private word(a: number, b1: number, c: number, d: number): boolean {
    const b = this.b;
    const i = this.at;
    if (b[i] !== a || b[i + 1] !== b1 || b[i + 2] !== c || b[i + 3] !== d) return false;
    this.at = i + 4;
    return true;
  }

  private word5(): boolean {
    const b = this.b;
    const i = this.at;
    if (b[i] !== 0x66 || b[i + 1] !== 0x61 || b[i + 2] !== 0x6c || b[i + 3] !== 0x73 || b[i + 4] !== 0x65) return false;
    this.at = i + 5;
    return true;
  }

  /** RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): boolean {
    const b = this.b;
    let i = this.at;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) { while (isDigit(b[i])) i++; }
    else return false;
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) return false;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) return false;
      while (isDigit(b[i])) i++;
    }
    this.at = i;
    return true;
  }
}

const NONE: readonly object[] = [];

function declaredAt(plan: Plan, b: Buffer, start: number, end: number): object[] | undefined {
  const candidates = plan.names.get(end - start);
  if (candidates === undefined) return undefined;
  for (const c of candidates) {
    const n = c.bytes;
    let i = 0;
    while (i < n.length && n[i] === b[start + i]) i++;
    if (i === n.length) return c.schemas;
  }
  return undefined;
}

/** No escape and no byte above ASCII: the bytes are the key. */
function plainKey(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c === BACKSLASH || c >= 0x80) return false;
  }
  return true;
}

/** Node's Buffer has these (toString's encoding dispatch without the dispatch); its types omit them. */
type SlicingBuffer = Buffer & { latin1Slice(start: number, end: number): string };

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}
