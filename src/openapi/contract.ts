import { SpecError } from '../errors/index.js';
import type { LoadedSpec, Operation, SpecProblem } from './types.js';
import type { CompileOptions, OperationValidators } from './validator-types.js';
import { createSchemaCompiler, problemAt } from './compile.js';
import { escapeToken } from './pointer.js';

/** A spec compiled for enforcement: a validator for every operation, and what was found on the way. */
export interface CompiledContract {
  readonly spec: LoadedSpec;
  readonly validators: ReadonlyMap<Operation, OperationValidators>;
  /** Problems that leave an operation unenforceable: the gateway refuses a contract that has any. */
  readonly errors: readonly SpecProblem[];
  /** Everything else worth telling (unknown formats, duplicate operationIds). */
  readonly warnings: readonly SpecProblem[];
  /**
   * Operations the router never reaches, each with the one that receives its requests (a
   * duplicate route declaring the same contract, such as `/a` beside `/a/`).
   */
  readonly shadowed: ReadonlyMap<Operation, Operation>;
}

/**
 * Compiles every operation of a spec the way the gateway enforces it, and gathers every problem
 * that would leave part of the contract unchecked: a `$ref` that points to nothing (or to a
 * remote document), a schema that cannot be compiled, a keyword that cannot be enforced, a
 * parameter whose location or style cannot be parsed, two operations on one route. The gateway
 * (start, reload) and `gatehouse check-config` refuse a contract with errors: a protection that
 * cannot be applied is not applied partly. Tools that only read a spec (audit, scan, inventory)
 * load it without this gate.
 */
export function compileContract(spec: LoadedSpec, options: CompileOptions): CompiledContract {
  const compiler = createSchemaCompiler(spec, options);
  const validators = new Map<Operation, OperationValidators>();
  const failures: SpecProblem[] = [];
  for (const operation of spec.operations) {
    try {
      validators.set(operation, compiler.compileOperation(operation));
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      failures.push({ severity: 'error', code: 'schema-uncompilable', message: error.reason, file: error.file, pointer: error.pointer ?? operation.pointer, ...(error.line === undefined ? {} : { line: error.line }) });
    }
  }
  const routes = routeConflicts(spec);
  const all = [...spec.problems, ...compiler.problems, ...failures, ...routes.problems];
  const seen = new Set<string>();
  const unique = all.filter((p) => {
    const key = `${p.severity}\u0000${p.code}\u0000${p.file}\u0000${p.pointer}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    spec,
    validators,
    errors: unique.filter((p) => p.severity === 'error'),
    warnings: unique.filter((p) => p.severity === 'warning'),
    shadowed: routes.shadowed,
  };
}

/**
 * Two operations the router cannot tell apart (`GET /users/{id}` and `GET /users/{name}`, or
 * `/a` and `/a/`) send every request to the first. When both declare the same contract and
 * security, that is harmless (a warning). Otherwise the gateway cannot know which contract a
 * request is held to: the second operation's checks, and any policy naming it, would silently
 * never apply, so it is an error. (OpenAPI forbids templated paths that differ only in names.)
 */
function routeConflicts(spec: LoadedSpec): { problems: SpecProblem[]; shadowed: Map<Operation, Operation> } {
  const routes = new Map<string, Operation>();
  const problems: SpecProblem[] = [];
  const shadowed = new Map<Operation, Operation>();
  for (const op of spec.operations) {
    const key = `${op.method} /${op.path.replace(/^\/+|\/+$/g, '').split('/').map((s) => s.replace(/\{[^}]*\}/g, '{}')).join('/')}`;
    const first = routes.get(key);
    if (first === undefined) {
      routes.set(key, op);
      continue;
    }
    const same = fingerprint(first) === fingerprint(op);
    if (same) shadowed.set(op, first);
    problems.push(problemAt(spec, same ? 'warning' : 'error', same ? 'route-duplicate' : 'route-conflict', same
      ? `${op.method} ${op.path} is routed as ${first.method} ${first.path} (${first.id}), which declares the same parameters, body and security: its requests are checked against that one`
      : `${op.method} ${op.path} cannot be told apart from ${first.method} ${first.path} (${first.id}) and declares different parameters, body or security: the gateway cannot know which contract a request is held to`,
    undefined, `/paths/${escapeToken(op.path)}`));
  }
  return { problems, shadowed };
}

/** What the gateway enforces for an operation's requests, as text (path parameters by position, not name). */
function fingerprint(op: Operation): string {
  const positions = [...op.path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  return canonical({
    security: op.security,
    parameters: op.parameters.map((p) => [p.in, p.in === 'path' ? positions.indexOf(p.name) : p.name, p.required, p.style, p.explode, p.contentType ?? '', p.schema ?? null]),
    body: op.requestBody === undefined ? null : [op.requestBody.required, Object.entries(op.requestBody.content).map(([type, m]) => [type, m.schema ?? null])],
  });
}

/** JSON with sorted keys; a schema met again below itself (recursion) is written by its depth. */
function canonical(value: unknown, stack: object[] = []): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const seen = stack.indexOf(value);
  if (seen !== -1) return `{"$cycle":${seen}}`;
  stack.push(value);
  const out = Array.isArray(value)
    ? `[${value.map((v) => canonical(v, stack)).join(',')}]`
    : `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], stack)}`).join(',')}}`;
  stack.pop();
  return out;
}
