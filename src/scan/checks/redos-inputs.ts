/**
 * Inputs that make a backtracking regular expression take super-linear time, and the arithmetic
 * that tells super-linear growth from noise. Where the spec gives a field's `pattern`, the pattern
 * itself is tried here first (the service or its framework often validates with it, and Node's
 * and Python's engines both backtrack): the attack shapes that blow it up locally are the ones
 * sent. Without a pattern, shapes that break the usual hand-written validators are used.
 *
 * Local trials start tiny and stop as soon as one call takes milliseconds. Stopping after the
 * fact is not enough: on a loaded machine the growth of small trials is noise, and the next size
 * of an exponential pattern can take hours. So every trial runs under a V8 execution deadline
 * (node:vm's timeout interrupts a backtracking match), and a trial that hits it counts as the
 * strongest evidence of growth there is.
 */
import vm from 'node:vm';
import type { SchemaObject } from '../../openapi/index.js';

export interface AttackShape {
  readonly kind: 'exponential' | 'polynomial';
  readonly label: string;
  /** The attack of pumped length n. */
  attack(n: number): string;
  /** A string of about the same length that fails fast (the control). */
  control(n: number): string;
}

function shape(kind: AttackShape['kind'], prefix: string, pump: string, suffix: string): AttackShape {
  const reps = (n: number): number => Math.max(1, Math.round(n / pump.length));
  return {
    kind, label: `${JSON.stringify(prefix)} + ${JSON.stringify(pump)} x n + ${JSON.stringify(suffix)}`,
    attack: (n) => `${prefix}${pump.repeat(reps(n))}${suffix}`,
    // As long as the attack, but no run of characters a repetition could take in more than one way.
    control: (n) => '!z'.repeat(Math.ceil((prefix.length + reps(n) * pump.length + suffix.length) / 2)).slice(0, prefix.length + reps(n) * pump.length + suffix.length),
  };
}

/** Shapes for a field with no usable pattern, by what the field holds. */
export function defaultShapes(name: string, schema: SchemaObject): AttackShape[] {
  const out = [shape('exponential', '', 'a', '!')];
  const what = `${name} ${String(schema.format ?? '')}`.toLowerCase();
  if (/mail/.test(what)) out.push(shape('exponential', 'a@', 'a', '!'));
  else if (/ur[il]|link|href|website|host|domain/.test(what)) out.push(shape('exponential', 'http://', 'a', '!'));
  else if (/name|title|text|description|comment|message|body|content|note|subject|search|query|address/.test(what)) out.push(shape('exponential', '', 'a ', '!'));
  return out;
}

const PUMPS = ['a', '0', 'a.', 'a-', 'a_', 'aa', 'a@', ' ', 'a ', '.', '-', 'a.a', '0.', 'ab', '\t', 'a1'];
const PREFIXES = ['', 'a@', 'a@a.', 'http://', 'a:'];
const SUFFIXES = ['!', '\u0000', '@', ' !'];

function compile(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch { /* try without the unicode flag, as JSON Schema validators do */ }
  }
  return undefined;
}

/**
 * The trial runs inside a vm context so that `timeout` applies to it: V8 terminates the running
 * script, regular expression match included, when the deadline passes.
 */
const trialContext = vm.createContext({ re: /$^/, input: '', now: () => performance.now() });
const trialScript = new vm.Script(`
  (() => {
    const start = now();
    let calls = 0;
    do { re.test(input); calls++; } while (now() - start < 1 && calls < 200);
    return (now() - start) / calls;
  })()
`);

/** Milliseconds per call, measured over enough calls to see past the clock's resolution. */
function timed(re: RegExp, input: string): number {
  const start = performance.now();
  let calls = 0;
  do {
    re.test(input);
    calls++;
  } while (performance.now() - start < 1 && calls < 200);
  return (performance.now() - start) / calls;
}

/**
 * The same under a deadline, the least of three trials (load only ever adds time). Infinity
 * when two trials ran past `deadlineMs`: one could be a stalled process; two on an input of a
 * few hundred characters is a match that backtracks without end. A deadline costs a watchdog
 * thread per trial, so it is kept for trials whose time the previous size cannot bound.
 */
function guarded(re: RegExp, input: string, deadlineMs: number): number {
  trialContext.re = re;
  trialContext.input = input;
  let best = Infinity;
  let overruns = 0;
  for (let trial = 0; trial < 3; trial++) {
    try {
      best = Math.min(best, trialScript.runInContext(trialContext, { timeout: deadlineMs }) as number);
    } catch {
      if (++overruns === 2) return Infinity;
    }
    if (best > deadlineMs / 4) break;
  }
  return best;
}

/**
 * Below this, the next size (a few characters more, or twice the length for polynomial shapes)
 * cannot take more than milliseconds, so it runs without a deadline.
 */
const UNGUARDED_BELOW_MS = 0.01;

/**
 * Growth of a pattern on one shape at increasing lengths; stops once a call takes `capMs`. A
 * trial past its deadline is growth beyond doubt.
 */
function grows(re: RegExp, s: AttackShape, sizes: readonly number[], capMs: number, minRatio: number): boolean {
  const times: number[] = [];
  let last = Infinity;
  for (const n of sizes) {
    const input = s.attack(n);
    const t = last < UNGUARDED_BELOW_MS ? timed(re, input) : guarded(re, input, capMs * 50);
    if (t === Infinity) return true;
    times.push(t);
    last = t;
    if (t > capMs) break;
  }
  if (times.length < 3 || (times[times.length - 1] as number) < 0.05) return false;
  const tail = times.slice(-3);
  return (tail[1] as number) / Math.max(tail[0] as number, 1e-4) >= minRatio && (tail[2] as number) / Math.max(tail[1] as number, 1e-4) >= minRatio;
}

/**
 * V8 backtracks a two-way split of 18 characters in microseconds, so growth only shows above
 * ~20; the cap stops a shape long before 40 once it is really exponential.
 */
const EXPONENTIAL_SIZES = [8, 12, 16, 18, 20, 22, 24, 26, 28, 30, 32, 36, 40];

/** The shapes that make a spec pattern backtrack super-linearly here, at most `max` of them. */
export function shapesForPattern(pattern: string, max = 2): AttackShape[] {
  const re = compile(pattern);
  if (re === undefined) return [];
  const out: AttackShape[] = [];
  for (const prefix of PREFIXES) {
    for (const pump of PUMPS) {
      for (const suffix of SUFFIXES) {
        if (out.length >= max) return out;
        const exp = shape('exponential', prefix, pump, suffix);
        if (grows(re, exp, EXPONENTIAL_SIZES, 2, 2.2)) { out.push(exp); continue; }
      }
    }
  }
  if (out.length > 0) return out;
  for (const pump of PUMPS.slice(0, 10)) {
    for (const suffix of SUFFIXES) {
      const poly = shape('polynomial', '', pump, suffix);
      if (grows(re, poly, [64, 128, 256, 512, 1024, 2048], 5, 3)) return [poly];
    }
  }
  return out;
}

export interface Point { readonly n: number; readonly ms: number }

/**
 * Whether response times grew super-linearly with the input's length. Times are the excess over
 * the operation's normal answer; points under `floorMs` are noise. The log-log slope between the
 * first and last point above the floor must exceed `minDegree` (2.5 for exponential shapes,
 * whose slope is far higher; 1.8 for polynomial ones) and the last excess reach `minMs`.
 */
export function superlinear(points: readonly Point[], baseMs: number, kind: AttackShape['kind'], floorMs = 20, minMs = 150): { yes: boolean; degree: number } {
  const above = points.map((p) => ({ n: p.n, e: p.ms - baseMs })).filter((p) => p.e >= floorMs);
  if (above.length < 2) return { yes: false, degree: 0 };
  const first = above[0] as { n: number; e: number };
  const last = above[above.length - 1] as { n: number; e: number };
  if (last.n === first.n) return { yes: false, degree: 0 };
  const degree = Math.log(last.e / first.e) / Math.log(last.n / first.n);
  return { yes: last.e >= minMs && degree >= (kind === 'exponential' ? 2.5 : 1.8), degree };
}

/** Predicted time at length n from the last two points (exponential or power law), or 0 without enough data. */
export function predict(points: readonly Point[], n: number, kind: AttackShape['kind'], floorMs = 8): number {
  const usable = points.filter((p) => p.ms >= floorMs);
  if (usable.length < 2) return 0;
  const a = usable[usable.length - 2] as Point;
  const b = usable[usable.length - 1] as Point;
  if (b.n === a.n || b.ms <= a.ms) return b.ms;
  if (kind === 'exponential') return b.ms * Math.pow(b.ms / a.ms, (n - b.n) / (b.n - a.n));
  return b.ms * Math.pow(n / b.n, Math.log(b.ms / a.ms) / Math.log(b.n / a.n));
}
