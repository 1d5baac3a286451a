import type { LoadedSpec } from './types.js';
import type { Origin } from './deref.js';
import type { ParsedFile } from './parse.js';

/**
 * What the loader knows beyond the public LoadedSpec shape and the compiler needs: which
 * dereferenced objects were `$ref` targets (compiled once, by reference) and where they came from.
 */
export interface SpecInternals {
  readonly refTargets: WeakSet<object>;
  readonly origins: WeakMap<object, Origin>;
  readonly timings: { parseMs: number; derefMs: number };
  /** Every file read, by absolute path, as parsed (raw values and line positions): the audit reads them again without re-parsing. */
  readonly sources?: ReadonlyMap<string, ParsedFile>;
}

const internals = new WeakMap<LoadedSpec, SpecInternals>();

export function setInternals(spec: LoadedSpec, value: SpecInternals): void {
  internals.set(spec, value);
}

export function getInternals(spec: LoadedSpec): SpecInternals {
  return internals.get(spec) ?? { refTargets: new WeakSet(), origins: new WeakMap(), timings: { parseMs: 0, derefMs: 0 } };
}
