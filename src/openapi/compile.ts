import type { ValidateFunction } from 'ajv';
import { performance } from 'node:perf_hooks';
import { SpecError } from '../errors/index.js';
import type { Operation, SchemaLocation, SchemaObject, SpecProblem, LoadedSpec } from './types.js';
import type {
  BodyKind, BodyValidator, CompileOptions, OperationValidators, ParameterResult, RawParameters, ResponseValidator, ValidationIssue,
} from './validator-types.js';
import { createAjv } from './ajv.js';
import { getInternals } from './internals.js';
import { toIssues } from './issues.js';
import { essence, kindOf, mediaMatcher } from './media.js';
import { compileParameters } from './compile-params.js';
import { SchemaTranslator, type View } from './schema-translate.js';
import { stripUndeclared } from './strip.js';
import { conformsToDeclared } from './strip-scan.js';
import { isObject, unescapeToken } from './pointer.js';
import { validateForm } from './form.js';

export interface SchemaCompiler {
  compileOperation(op: Operation): OperationValidators;
  /**
   * Schema problems found while compiling: errors for keywords that cannot be enforced (a bad
   * pattern, an unknown type), warnings for unknown formats (not enforced).
   */
  readonly problems: readonly SpecProblem[];
  readonly stats: { schemas: number; compileMs: number };
}

/** Compiles a schema in a view; shared across operations so each distinct schema compiles once. */
export type CompileFn = (schema: SchemaObject, view: View, at: SchemaLocation) => ValidateFunction;

export interface CompilerTuning {
  /**
   * Compile response validators on their first use instead of in compileOperation. Requests are
   * always compiled eagerly. Halves start-up on very large specs (GitHub's: most of its schema
   * volume is in responses); a response schema that then fails to compile is reported in
   * `problems` and left unvalidated rather than failing the response.
   */
  readonly lazyResponses?: boolean;
}

export function createSchemaCompiler(spec: LoadedSpec, options: CompileOptions, tuning: CompilerTuning = {}): SchemaCompiler {
  const internals = getInternals(spec);
  const ajv = createAjv();
  const problems: SpecProblem[] = [];
  const reported = new Set<string>();
  const translator = new SchemaTranslator({
    dialect: spec.version === '3.1' ? '3.1' : '3.0',
    refTargets: internals.refTargets,
    knownFormats: new Set(Object.keys(ajv.formats)),
    rejectReadOnly: options.rejectReadOnly,
    close: options.unknownFields === 'reject',
    nameOf: (target) => {
      const m = /^\/(?:components\/schemas|definitions)\/([^/]+)$/.exec(internals.origins.get(target)?.pointer ?? '');
      return m === null ? undefined : unescapeToken(m[1] as string);
    },
    originOf: (target) => internals.origins.get(target),
    report: (severity, code, message, at) => {
      // A schema is translated once per view and position: report each finding once. An unknown
      // format is reported once for the whole spec, where it is first met.
      const key = code === 'unknown-format' ? `${code}\u0000${message}` : `${code}\u0000${at.file ?? ''}\u0000${at.pointer}\u0000${message}`;
      if (reported.has(key)) return;
      reported.add(key);
      problems.push(problemAt(spec, severity, code, message, at.file, at.pointer));
    },
  }, 'https://gatehouse.invalid/s/');
  const stats = { schemas: 0, compileMs: 0 };
  // Identical translated schemas (`{ type: string }` path parameters, a `$ref` to one component)
  // share one validator: Ajv would otherwise generate and evaluate the same code again.
  const byText = new Map<string, ValidateFunction>();
  const bySchema = { request: new WeakMap<object, ValidateFunction>(), response: new WeakMap<object, ValidateFunction>() };

  const compile: CompileFn = (schema, view, at) => {
    const cached = bySchema[view].get(schema);
    if (cached !== undefined) return cached;
    const started = performance.now();
    try {
      const translated = translator.root(schema, view, { file: at.file, pointer: at.pointer }) as Record<string, unknown>;
      const added: string[] = [];
      while (translator.pending.length > 0) {
        const item = translator.pending.shift() as (typeof translator.pending)[number];
        ajv.addSchema(translator.target(item) as object, item.id);
        added.push(item.id);
        stats.schemas++;
      }
      // Deepest first: Ajv compiles a reference by recursing into it, so compiling a long chain
      // of schemas from its head would need a stack as deep as the chain.
      for (let i = added.length - 1; i >= 0; i--) ajv.getSchema(added[i] as string);
      const text = JSON.stringify(translated);
      let fn = byText.get(text);
      if (fn === undefined) {
        fn = ajv.compile(translated);
        byText.set(text, fn);
      }
      bySchema[view].set(schema, fn);
      return fn;
    } catch (err) {
      if (err instanceof SpecError) throw err;
      const line = lineOf(spec, at.pointer, at.file);
      throw new SpecError(at.file ?? spec.file, `cannot compile the schema: ${(err as Error).message}`, { pointer: at.pointer, ...(line === undefined ? {} : { line }), cause: err });
    } finally {
      stats.compileMs += performance.now() - started;
    }
  };

  return {
    problems,
    stats,
    compileOperation: (op) => compileOperation(op, options, compile, tuning.lazyResponses === true ? lazyFailure : undefined, credentialQuery(spec, op)),
  };

  function lazyFailure(err: unknown, at: SchemaLocation): void {
    const message = err instanceof Error ? err.message : String(err);
    problems.push(problemAt(spec, 'error', 'schema-uncompilable', message, at.file, at.pointer));
  }
}

/** A problem at a pointer of the spec (or of one of its referenced files), with its line. */
export function problemAt(spec: LoadedSpec, severity: SpecProblem['severity'], code: string, message: string, file: string | undefined, pointer: string): SpecProblem {
  const line = lineOf(spec, pointer, file);
  return { severity, code, message, file: file ?? spec.file, pointer, ...(line === undefined ? {} : { line }) };
}

/** The line of a pointer, or of its nearest ancestor that exists in the source (2.0 bodies are synthesised). */
function lineOf(spec: LoadedSpec, pointer: string, file?: string): number | undefined {
  let p = pointer;
  for (;;) {
    const line = spec.locate(p, file)?.line;
    if (line !== undefined || p === '') return line;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

type LazyFailure = (err: unknown, at: SchemaLocation) => void;

/** Query names of the operation's `apiKey` schemes: credentials the spec declares, not unknown parameters. */
function credentialQuery(spec: LoadedSpec, op: Operation): string[] {
  const names = new Set<string>();
  for (const requirement of op.security) {
    for (const scheme of Object.keys(requirement)) {
      const s = spec.securitySchemes[scheme];
      if (s?.type === 'apiKey' && s.in === 'query' && s.name !== undefined) names.add(s.name);
    }
  }
  return [...names];
}

function compileOperation(op: Operation, options: CompileOptions, compile: CompileFn, lazy: LazyFailure | undefined, credentials: readonly string[]): OperationValidators {
  const parameters = compileParameters(op, options, compile, credentials);
  const bodies: [string, BodyValidator | WildcardBody][] = [];
  for (const [mediaType, media] of Object.entries(op.requestBody?.content ?? {})) {
    bodies.push([mediaType, bodyValidator(mediaType, media.schema, compile, media.schemaAt ?? { pointer: `${op.requestBody?.pointer ?? op.pointer}/content` })]);
  }
  const matched = mediaMatcher(bodies);
  const bodyFor = (contentType: string): BodyValidator | undefined => {
    const found = matched(contentType);
    return found !== undefined && 'wildcard' in found ? found.forKind(kindOf(contentType)) : found;
  };

  const exact = new Map<number, (ct: string) => ResponseValidator | undefined>();
  const ranges = new Map<number, (ct: string) => ResponseValidator | undefined>();
  let fallback: ((ct: string) => ResponseValidator | undefined) | undefined;
  for (const [status, response] of Object.entries(op.responses)) {
    const list: [string, ResponseValidator][] = [];
    for (const [mediaType, media] of Object.entries(response.content)) {
      if (media.schema !== undefined) list.push([mediaType, responseValidator(mediaType, media.schema, compile, media.schemaAt ?? { pointer: `${response.pointer}/content` }, lazy)]);
    }
    const matcher = mediaMatcher(list);
    if (/^[1-5][0-9][0-9]$/.test(status)) exact.set(Number(status), matcher);
    else if (/^[1-5]XX$/i.test(status)) ranges.set(Number(status[0]), matcher);
    else if (status === 'default') fallback = matcher;
  }
  const statusMatcher = (status: number): ((ct: string) => ResponseValidator | undefined) | undefined =>
    exact.get(status) ?? ranges.get(Math.floor(status / 100)) ?? fallback;

  return {
    parameters,
    hasBody: op.requestBody !== undefined,
    bodyRequired: op.requestBody?.required ?? false,
    bodyMediaTypes: Object.keys(op.requestBody?.content ?? {}),
    body: bodyFor,
    response: (status, contentType) => statusMatcher(status)?.(contentType),
    declaresStatus: (status) => statusMatcher(status) !== undefined,
  };
}

const NO_ISSUES = undefined;

function bodyValidator(mediaType: string, schema: SchemaObject | undefined, compile: CompileFn, at: SchemaLocation): BodyValidator | WildcardBody {
  const declared = essence(mediaType);
  if (schema !== undefined && (declared === '*/*' || declared === '*' || declared.endsWith('/*')) && !acceptsAnyBytes(schema)) {
    // A schema under a wildcard type constrains whatever arrives: the body is read as its own
    // Content-Type says (JSON as JSON, a form as fields) and validated, never passed as opaque
    // bytes. What the gateway cannot read that way is refused (415), not forwarded unchecked.
    const byKind = new Map<BodyKind, BodyValidator>();
    for (const kind of ['json', 'form', 'multipart', 'text'] as const) byKind.set(kind, validatorOf(mediaType, kind, schema, compile, at));
    return { wildcard: true, forKind: (kind) => byKind.get(kind) };
  }
  return validatorOf(mediaType, kindOf(mediaType), schema, compile, at);
}

function validatorOf(mediaType: string, kind: BodyKind, schema: SchemaObject | undefined, compile: CompileFn, at: SchemaLocation): BodyValidator {
  if (schema === undefined || kind === 'binary') return { mediaType, kind, validate: () => NO_ISSUES };
  const fn = compile(schema, 'request', at);
  const validate = (value: unknown): readonly ValidationIssue[] | undefined => (fn(value) ? NO_ISSUES : toIssues(fn.errors, 'body'));
  if (kind === 'form' || kind === 'multipart') {
    const structured = structuredFields(schema);
    return { mediaType, kind, validate: (value) => validateForm(value, schema, validate), structuredField: (name) => structured.has(name) };
  }
  return { mediaType, kind, validate };
}

/** A body schema any byte string satisfies (absent constraints, or `type: string` with a binary format). */
function acceptsAnyBytes(schema: SchemaObject): boolean {
  const keys = Object.keys(schema).filter((k) => k !== 'description' && k !== 'title' && k !== 'example' && k !== 'examples' && !k.startsWith('x-'));
  if (keys.length === 0) return true;
  return schema.type === 'string' && keys.every((k) => k === 'type' || k === 'format' || k === 'contentMediaType' || k === 'contentEncoding');
}

/** Properties whose schema wants an object, or an array of objects: multipart parts read as JSON. */
function structuredFields(schema: SchemaObject): Set<string> {
  const out = new Set<string>();
  const visit = (s: unknown, depth: number): void => {
    if (!isObject(s) || depth > 4) return;
    if (isObject(s.properties)) {
      for (const [name, p] of Object.entries(s.properties)) {
        if (!isObject(p)) continue;
        const types = Array.isArray(p.type) ? p.type : [p.type];
        const items = isObject(p.items) ? (Array.isArray(p.items.type) ? p.items.type : [p.items.type]) : [];
        if (types.includes('object') || (types.includes('array') && items.includes('object'))) out.add(name);
      }
    }
    if (Array.isArray(s.allOf)) for (const b of s.allOf) visit(b, depth + 1);
  };
  visit(schema, 0);
  return out;
}

interface WildcardBody {
  readonly wildcard: true;
  forKind(kind: BodyKind): BodyValidator | undefined;
}

function responseValidator(
  mediaType: string, schema: SchemaObject, compile: CompileFn, at: SchemaLocation, lazy: LazyFailure | undefined,
): ResponseValidator {
  const kind = kindOf(mediaType);
  if (kind !== 'json') return { mediaType, kind, validate: () => NO_ISSUES, strip: () => 0, conformsUnparsed: () => false };
  let fn: ValidateFunction | undefined | null = lazy === undefined ? compile(schema, 'response', at) : undefined;
  const validator = (): ValidateFunction | null => {
    if (fn === undefined) {
      try {
        fn = compile(schema, 'response', at);
      } catch (err) {
        lazy?.(err, at);
        fn = null;
      }
    }
    return fn;
  };
  return {
    mediaType,
    kind,
    validate: (value) => {
      const f = validator();
      return f === null || f(value) ? NO_ISSUES : toIssues(f.errors, 'body');
    },
    strip: (value) => stripUndeclared(value, schema),
    conformsUnparsed: (raw) => conformsToDeclared(raw, schema),
  };
}

export type { ParameterResult, RawParameters };
