import type { ValidateFunction } from 'ajv';
import type { Operation, Parameter } from './types.js';
import type { CompileOptions, ParameterResult, RawParameters, ValidationIssue } from './validator-types.js';
import type { CompileFn } from './compile.js';
import { createCoercer, type ParamCoercer } from './params.js';
import { toIssues } from './issues.js';

interface Plan {
  readonly param: Parameter;
  readonly key: string;
  readonly coercer: ParamCoercer;
  readonly validate: ValidateFunction | undefined;
}

type Bucket = 'path' | 'query' | 'header' | 'cookie';

const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/** Builds the `parameters(raw)` function of an operation: coerce each parameter, then validate. */
export function compileParameters(op: Operation, options: CompileOptions, compile: CompileFn): (raw: RawParameters) => ParameterResult {
  // OpenAPI 3 §4.8.12.1: header parameters named Accept, Content-Type or Authorization are ignored
  // (content negotiation and security schemes describe those).
  const plans: Plan[] = op.parameters.filter((param) => !(param.in === 'header' && IGNORED_HEADERS.has(param.name.toLowerCase()))).map((param) => ({
    param,
    // Header names are case-insensitive (RFC 9110 §5.1); the gateway hands them lower-cased.
    key: param.in === 'header' ? param.name.toLowerCase() : param.name,
    coercer: createCoercer(param),
    validate: param.schema === undefined ? undefined : compile(param.schema, 'request', param.pointer),
  }));
  const declaredQuery = new Set<string>();
  const deepPrefixes: string[] = [];
  for (const p of plans) {
    if (p.param.in !== 'query') continue;
    declaredQuery.add(p.param.name);
    for (const k of p.coercer.extraKeys) declaredQuery.add(k);
    if (p.coercer.deepPrefix !== undefined) deepPrefixes.push(p.coercer.deepPrefix);
  }
  const rejectUnknown = options.unknownQuery === 'reject';

  return (raw) => {
    const values = { path: {} as Record<string, unknown>, query: {} as Record<string, unknown>, header: {} as Record<string, unknown>, cookie: {} as Record<string, unknown> };
    let issues: ValidationIssue[] | undefined;
    const fail = (list: readonly ValidationIssue[]): void => {
      issues ??= [];
      issues.push(...list);
    };
    for (const p of plans) {
      const where = p.param.in;
      const source = where === 'path' ? raw.path : where === 'query' ? raw.query : where === 'header' ? raw.headers : raw.cookies;
      const result = p.coercer.coerce(source[p.key], where === 'query' ? raw.query : undefined);
      if (result === undefined) {
        if (p.param.required) fail([{ in: where, name: p.param.name, pointer: '', keyword: 'required', message: 'is required' }]);
        continue;
      }
      if ('error' in result) {
        fail([{ in: where, name: p.param.name, pointer: '', keyword: 'style', message: result.error }]);
        continue;
      }
      if (p.validate !== undefined && !p.validate(result.value)) {
        fail(toIssues(p.validate.errors, where, p.param.name));
        continue;
      }
      values[bucketOf(where)][p.param.name] = result.value;
    }
    if (rejectUnknown) {
      for (const key of Object.keys(raw.query)) {
        if (declaredQuery.has(key) || deepPrefixes.some((prefix) => key.startsWith(prefix))) continue;
        fail([{ in: 'query', name: clip(key), pointer: '', keyword: 'unknownField', message: 'is not a declared query parameter' }]);
      }
    }
    return { issues, values };
  };
}

/** Names of undeclared parameters come from the client: cap them before they go back in a response. */
function clip(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

function bucketOf(where: Parameter['in']): Bucket {
  return where;
}
