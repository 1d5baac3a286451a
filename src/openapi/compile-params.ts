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

const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/**
 * Builds the `parameters(raw)` function of an operation: coerce each parameter, then validate.
 * `credentialQuery`: query names of the operation's `apiKey` security schemes, declared by
 * the spec though not as parameters (the authentication policy checks them).
 */
export function compileParameters(op: Operation, options: CompileOptions, compile: CompileFn, credentialQuery: readonly string[] = []): (raw: RawParameters) => ParameterResult {
  // OpenAPI 3 §4.8.12.1: header parameters named Accept, Content-Type or Authorization are ignored
  // (content negotiation and security schemes describe those).
  const plans: Plan[] = op.parameters.filter((param) => !(param.in === 'header' && IGNORED_HEADERS.has(param.name.toLowerCase()))).map((param) => ({
    param,
    // Header names are case-insensitive (RFC 9110 §5.1); the gateway hands them lower-cased.
    key: param.in === 'header' ? param.name.toLowerCase() : param.name,
    coercer: createCoercer(param),
    validate: param.schema === undefined ? undefined : compile(param.schema, 'request', param.schemaAt ?? { pointer: param.pointer }),
  }));
  const declaredQuery = new Set<string>(credentialQuery);
  const deepPrefixes: string[] = [];
  for (const p of plans) {
    if (p.param.in !== 'query') continue;
    declaredQuery.add(p.param.name);
    for (const k of p.coercer.extraKeys) declaredQuery.add(k);
    if (p.coercer.deepPrefix !== undefined) deepPrefixes.push(p.coercer.deepPrefix);
  }
  const rejectUnknown = options.unknownQuery === 'reject';

  const uses = { path: false, query: false, header: false, cookie: false };
  for (const p of plans) uses[p.param.in] = true;
  // Buckets no parameter lands in share one frozen empty object instead of a fresh one per request.
  const bucket = (used: boolean): Record<string, unknown> => (used ? {} : EMPTY);

  return (raw) => {
    const values = { path: bucket(uses.path), query: bucket(uses.query), header: bucket(uses.header), cookie: bucket(uses.cookie) };
    let issues: ValidationIssue[] | undefined;
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i] as Plan;
      const where = p.param.in;
      const source = where === 'path' ? raw.path : where === 'query' ? raw.query : where === 'header' ? raw.headers : raw.cookies;
      const result = p.coercer.coerce(source[p.key], where === 'query' ? raw.query : undefined);
      if (result === undefined) {
        if (p.param.required) issues = add(issues, [{ in: where, name: p.param.name, pointer: '', keyword: 'required', message: 'is required' }]);
        continue;
      }
      if ('error' in result) {
        issues = add(issues, [{ in: where, name: p.param.name, pointer: '', keyword: 'style', message: result.error }]);
        continue;
      }
      if (p.validate !== undefined && !p.validate(result.value)) {
        issues = add(issues, toIssues(p.validate.errors, where, p.param.name));
        continue;
      }
      values[where][p.param.name] = result.value;
    }
    if (rejectUnknown) {
      for (const key in raw.query) {
        if (declaredQuery.has(key) || (deepPrefixes.length > 0 && deepPrefixes.some((prefix) => key.startsWith(prefix)))) continue;
        issues = add(issues, [{ in: 'query', name: clip(key), pointer: '', keyword: 'unknownField', message: 'is not a declared query parameter' }]);
      }
    }
    return { issues, values };
  };
}

const EMPTY: Record<string, unknown> = Object.freeze({});

function add(issues: ValidationIssue[] | undefined, found: readonly ValidationIssue[]): ValidationIssue[] {
  const list = issues ?? [];
  list.push(...found);
  return list;
}

/** Names of undeclared parameters come from the client: cap them before they go back in a response. */
function clip(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}
