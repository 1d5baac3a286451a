import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { protectTickShape } from '../openapi/tick-shape.js';
import type { RawProblem } from './problem.js';
import { CONFIG_SCHEMA } from './schema.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    protectTickShape();
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, coerceTypes: true });
    ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
    compiled = ajv.compile(CONFIG_SCHEMA);
  }
  return compiled;
}

export function validateShape(value: unknown): RawProblem[] {
  const validate = validator();
  if (validate(value)) return [];
  const problems: RawProblem[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const problem = describe(error);
    if (problem === undefined) continue;
    const key = JSON.stringify(problem.path) + problem.message;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describe(error: ErrorObject): RawProblem | undefined {
  const path = pointerToPath(error.instancePath);
  const hint = (error.parentSchema as Record<string, unknown> | undefined)?.['x-hint'];
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(((error.parentSchema as { properties?: object }).properties ?? {}));
      const guess = closest(key, known);
      return { path: [...path, key], message: `unknown key "${key}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; allowed: ${known.join(', ')}` };
    }
    case 'required':
      return { path, message: `missing required key "${(error.params as { missingProperty: string }).missingProperty}"` };
    case 'enum':
      return { path, message: typeof hint === 'string' ? hint : `must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'type':
    case 'pattern':
    case 'minimum':
    case 'maximum':
    case 'minLength':
    case 'minItems':
    case 'minProperties':
    case 'maxProperties':
      if (typeof hint === 'string') return { path, message: hint };
      return { path, message: error.message ?? error.keyword };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => {
    const key = s.replaceAll('~1', '/').replaceAll('~0', '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

/** The known key within edit distance 2 of a typo, if exactly one is nearest. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 3;
}
