import type {
  HttpMethod, Link, MediaType, Operation, Parameter, ParameterLocation, RequestBody, Response, SchemaLocation, SchemaObject,
  SecurityRequirement, SpecProblem, SpecVersion,
} from './types.js';
import type { Origin } from './deref.js';
import { escapeToken, isObject } from './pointer.js';
import {
  formBodyContent, schemaFromV2Param, styleFromCollectionFormat, v2Consumes, v2Produces, v2Response,
} from './normalize-v2.js';

const METHODS: readonly HttpMethod[] = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];
const LOCATIONS = new Set<string>(['path', 'query', 'header', 'cookie']);
/**
 * Styles per location (OpenAPI 3 §4.8.12.4), as the gateway parses them; `tabDelimited` is how
 * Swagger 2.0's `tsv` arrives. Any other pairing has no defined serialisation to parse.
 */
const STYLES: Record<ParameterLocation, readonly string[]> = {
  path: ['simple', 'label', 'matrix'],
  query: ['form', 'spaceDelimited', 'pipeDelimited', 'tabDelimited', 'deepObject'],
  header: ['simple'],
  cookie: ['form'],
};
const COLLECTION_FORMATS = new Set(['csv', 'ssv', 'tsv', 'pipes', 'multi']);

export interface OperationContext {
  readonly version: SpecVersion;
  readonly doc: Record<string, unknown>;
  readonly origins: WeakMap<object, Origin>;
  readonly problems: SpecProblem[];
  /** The document-level security requirements, checked once. */
  readonly security: SecurityRequirement[];
  readonly file: string;
  readonly locate: (pointer: string) => number | undefined;
  /** The line of a pointer in a referenced file. */
  readonly locateIn?: (pointer: string, file: string) => number | undefined;
}

/** Extracts every operation of a dereferenced document in the 3.x shape. */
export function extractOperations(ctx: OperationContext): Operation[] {
  const paths = isObject(ctx.doc.paths) ? ctx.doc.paths : {};
  const drafts: (Omit<Operation, 'id'> & { id?: string })[] = [];
  for (const [template, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const itemPointer = `/paths/${escapeToken(template)}`;
    if (!template.startsWith('/')) {
      warn(ctx, 'path-template', `path "${template}" does not start with "/"`, itemPointer);
    }
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method.toLowerCase()];
      if (!isObject(op)) continue;
      const pointer = `${itemPointer}/${method.toLowerCase()}`;
      drafts.push(buildOperation(ctx, template, method, op, shared, itemPointer, pointer));
    }
  }
  const counts = new Map<string, number>();
  for (const d of drafts) if (d.operationId !== undefined) counts.set(d.operationId, (counts.get(d.operationId) ?? 0) + 1);
  const reported = new Set<string>();
  for (const d of drafts) {
    const n = d.operationId === undefined ? 0 : counts.get(d.operationId) ?? 0;
    if (n > 1 && d.operationId !== undefined && !reported.has(d.operationId)) {
      reported.add(d.operationId);
      warn(ctx, 'duplicate-operation-id', `operationId "${d.operationId}" is used by ${n} operations; they are identified as "METHOD /path"`, `${d.pointer}/operationId`);
    }
  }
  return drafts.map((d) => ({
    ...d,
    id: d.operationId !== undefined && counts.get(d.operationId) === 1 ? d.operationId : `${d.method} ${d.path}`,
  }));
}

function warn(ctx: OperationContext, code: string, message: string, pointer: string): void {
  report(ctx, 'warning', code, message, { file: undefined, pointer });
}

/**
 * What makes an operation impossible to enforce as written (a parameter the gateway cannot find
 * or parse, a schema that is not a schema): an error, so the gateway refuses the spec rather
 * than serve the operation unchecked.
 */
function fail(ctx: OperationContext, code: string, message: string, at: Where): void {
  report(ctx, 'error', code, message, at);
}

interface Where { readonly file: string | undefined; readonly pointer: string }

function located(at: Where): SchemaLocation {
  return at.file === undefined ? { pointer: at.pointer } : { file: at.file, pointer: at.pointer };
}

function report(ctx: Pick<OperationContext, 'problems' | 'file' | 'locate' | 'locateIn'>, severity: SpecProblem['severity'], code: string, message: string, at: Where): void {
  const file = at.file ?? ctx.file;
  const line = file === ctx.file ? ctx.locate(at.pointer) : ctx.locateIn?.(at.pointer, file);
  ctx.problems.push({ severity, code, message, file, pointer: at.pointer, ...(line === undefined ? {} : { line }) });
}

function buildOperation(
  ctx: OperationContext, template: string, method: HttpMethod, op: Record<string, unknown>,
  shared: unknown[], itemPointer: string, pointer: string,
): Omit<Operation, 'id'> {
  // Operation-level parameters override path-level ones with the same name and location.
  const merged = new Map<string, { raw: Record<string, unknown>; at: Where }>();
  const add = (list: unknown[], base: string): void => {
    list.forEach((p, i) => {
      const origin = isObject(p) ? ctx.origins.get(p) : undefined;
      const at: Where = origin === undefined ? { file: undefined, pointer: `${base}/parameters/${i}` } : { file: origin.file, pointer: origin.pointer };
      if (isObject(p) && typeof p.name === 'string' && p.name !== '') {
        merged.set(`${String(p.in)}\u0000${p.name}`, { raw: p, at });
      } else if (!isObject(p) || Object.keys(p).length > 0) {
        // (An empty object is what a dangling $ref leaves; that is reported where the $ref is.)
        fail(ctx, 'parameter-invalid', 'a parameter needs a name: without one, no request value can be checked against it', at);
      }
    });
  };
  add(shared, itemPointer);
  add(Array.isArray(op.parameters) ? op.parameters : [], pointer);

  const parameters: Parameter[] = [];
  const formParams: Record<string, unknown>[] = [];
  let requestBody: RequestBody | undefined;
  for (const { raw, at } of merged.values()) {
    if (ctx.version === '2.0' && raw.in === 'body') {
      if (requestBody !== undefined) fail(ctx, 'parameter-invalid', 'an operation has at most one body parameter (Swagger 2.0)', at);
      const content: Record<string, MediaType> = {};
      const schemaAt: Where = { file: at.file, pointer: `${at.pointer}/schema` };
      const schema = schemaOf(ctx, raw.schema, schemaAt, true);
      for (const m of v2Consumes(op, ctx.doc)) content[m] = { schema, schemaAt: located(schemaAt) };
      requestBody = { required: raw.required === true, content, pointer: at.pointer };
    } else if (ctx.version === '2.0' && raw.in === 'formData') {
      formParams.push(raw);
    } else if (typeof raw.in === 'string' && LOCATIONS.has(raw.in)) {
      parameters.push(buildParameter(ctx, raw, raw.in as ParameterLocation, at));
    } else {
      fail(ctx, 'parameter-location', `parameter "${String(raw.name)}" has location "${String(raw.in)}", which is not path, query, header or cookie${ctx.version === '2.0' ? ' (or body, formData)' : ''}: the gateway cannot find its value`, at);
    }
  }
  if (formParams.length > 0 && requestBody !== undefined) {
    fail(ctx, 'parameter-invalid', 'an operation cannot have both a body parameter and formData parameters (Swagger 2.0)', { file: undefined, pointer: `${pointer}/parameters` });
  }
  if (formParams.length > 0 && requestBody === undefined) {
    requestBody = {
      required: formParams.some((p) => p.required === true),
      content: formBodyContent(formParams, v2Consumes(op, ctx.doc)),
      pointer: `${pointer}/parameters`,
    };
  }
  if (ctx.version !== '2.0' && isObject(op.requestBody)) {
    const rb = op.requestBody;
    const origin = ctx.origins.get(rb);
    const at: Where = origin === undefined ? { file: undefined, pointer: `${pointer}/requestBody` } : origin;
    requestBody = { required: rb.required === true, content: v3Content(ctx, rb.content, at), pointer: at.pointer, ...(at.file === undefined ? {} : { file: at.file }) };
  }

  const responses: Record<string, Response> = {};
  if (isObject(op.responses)) {
    for (const [status, r] of Object.entries(op.responses)) {
      const rp = `${pointer}/responses/${escapeToken(status)}`;
      if (ctx.version === '2.0' && isObject(r) && r.schema !== undefined) schemaOf(ctx, r.schema, { file: undefined, pointer: `${rp}/schema` }, false);
      responses[status] = ctx.version === '2.0' ? v2Response(r, v2Produces(op, ctx.doc), rp) : v3Response(ctx, r, rp);
    }
  }
  const extensions: Record<string, unknown> = {};
  for (const key of Object.keys(op)) if (key.startsWith('x-')) extensions[key] = op[key];
  return {
    operationId: typeof op.operationId === 'string' && op.operationId !== '' ? op.operationId : undefined,
    method,
    path: template,
    summary: typeof op.summary === 'string' ? op.summary : undefined,
    tags: Array.isArray(op.tags) ? op.tags.map(String) : [],
    deprecated: op.deprecated === true,
    parameters,
    requestBody,
    responses,
    security: op.security === undefined ? ctx.security : checkedSecurity(ctx, op.security, { file: undefined, pointer: `${pointer}/security` }),
    extensions,
    pointer,
  };
}

function buildParameter(ctx: OperationContext, raw: Record<string, unknown>, where: ParameterLocation, at: Where): Parameter {
  let schema: SchemaObject | undefined;
  let style: string;
  let explode: boolean;
  let contentType: string | undefined;
  let schemaAt: Where = at;
  const name = String(raw.name);
  if (ctx.version === '2.0') {
    schema = schemaFromV2Param(raw);
    const format = raw.collectionFormat;
    if (format !== undefined && !COLLECTION_FORMATS.has(String(format))) {
      fail(ctx, 'parameter-style', `parameter "${name}" has collectionFormat ${JSON.stringify(format)}, which is not csv, ssv, tsv, pipes or multi: the gateway cannot parse its value`, { file: at.file, pointer: `${at.pointer}/collectionFormat` });
    }
    ({ style, explode } = styleFromCollectionFormat(format, where));
  } else {
    schemaAt = { file: at.file, pointer: `${at.pointer}/schema` };
    schema = schemaOf(ctx, raw.schema, schemaAt, false);
    if (schema === undefined && raw.content !== undefined) {
      const entries = isObject(raw.content) ? Object.entries(raw.content) : [];
      // OpenAPI 3 §4.8.12.3: exactly one media type, since the value is parsed as that one.
      if (entries.length !== 1) fail(ctx, 'parameter-content', `parameter "${name}" must have exactly one media type under content (found ${entries.length}): the gateway cannot tell how to parse its value`, { file: at.file, pointer: `${at.pointer}/content` });
      const [type, media] = entries[0] ?? [];
      if (type !== undefined) schemaAt = { file: at.file, pointer: `${at.pointer}/content/${escapeToken(type)}/schema` };
      if (type !== undefined && isObject(media)) schema = schemaOf(ctx, media.schema, schemaAt, false);
      contentType = type;
    }
    style = typeof raw.style === 'string' ? raw.style : where === 'query' || where === 'cookie' ? 'form' : 'simple';
    explode = typeof raw.explode === 'boolean' ? raw.explode : style === 'form';
  }
  if (contentType === undefined && !STYLES[where].includes(style)) {
    const how = ctx.version === '2.0' ? `collectionFormat ${String(raw.collectionFormat)}` : `style "${style}"`;
    fail(ctx, 'parameter-style', `parameter "${name}" in ${where} has ${how}, which a ${where} parameter cannot use (allowed: ${STYLES[where].join(', ')}): the gateway cannot parse its value`, { file: at.file, pointer: `${at.pointer}/${ctx.version === '2.0' ? 'collectionFormat' : 'style'}` });
  }
  const extensions: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) if (key.startsWith('x-')) extensions[key] = raw[key];
  return {
    name,
    in: where,
    required: where === 'path' ? true : raw.required === true,
    schema,
    style,
    explode,
    deprecated: raw.deprecated === true,
    allowReserved: raw.allowReserved === true,
    pointer: at.pointer,
    ...(at.file === undefined ? {} : { file: at.file }),
    schemaAt: located(schemaAt),
    extensions,
    ...(contentType === undefined ? {} : { contentType }),
    ...examplesOf(raw, ctx.version === '2.0' ? raw['x-example'] : undefined),
  };
}

/** `example` and the `value`s of `examples` (3.x), plus an extra one (2.0 `x-example`). */
function examplesOf(raw: Record<string, unknown>, extra?: unknown): { examples?: unknown[] } {
  const out: unknown[] = [];
  if (raw.example !== undefined) out.push(raw.example);
  if (isObject(raw.examples)) for (const e of Object.values(raw.examples)) if (isObject(e) && e.value !== undefined) out.push(e.value);
  if (extra !== undefined) out.push(extra);
  return out.length === 0 ? {} : { examples: out };
}

function linksOf(raw: unknown): { links?: Record<string, Link> } {
  if (!isObject(raw)) return {};
  const links: Record<string, Link> = {};
  for (const [name, l] of Object.entries(raw)) {
    if (!isObject(l)) continue;
    links[name] = {
      ...(typeof l.operationId === 'string' ? { operationId: l.operationId } : {}),
      ...(typeof l.operationRef === 'string' ? { operationRef: l.operationRef } : {}),
      parameters: isObject(l.parameters) ? l.parameters : {},
      ...(l.requestBody !== undefined ? { requestBody: l.requestBody } : {}),
    };
  }
  return Object.keys(links).length === 0 ? {} : { links };
}

/**
 * A schema where a schema belongs: an object, or a boolean (3.1: `true` admits anything, `false`
 * nothing). Anything else cannot be checked and is an error; absent (`required` false) is no schema.
 */
function schemaOf(ctx: OperationContext, raw: unknown, at: Where, required: boolean): SchemaObject | undefined {
  if (isObject(raw)) return raw;
  if (typeof raw === 'boolean') return raw ? {} : { not: {} };
  if (raw !== undefined || required) {
    fail(ctx, 'schema-not-a-schema', raw === undefined ? 'a schema is required here' : `a schema must be an object or true/false, found ${JSON.stringify(raw)?.slice(0, 40) ?? String(raw)}`, at);
  }
  return undefined;
}

function v3Content(ctx: OperationContext, raw: unknown, at: Where): Record<string, MediaType> {
  const content: Record<string, MediaType> = {};
  if (!isObject(raw)) return content;
  for (const [type, m] of Object.entries(raw)) {
    if (!isObject(m)) continue;
    const schemaAt: Where = { file: at.file, pointer: `${at.pointer}/content/${escapeToken(type)}/schema` };
    content[type] = {
      schema: schemaOf(ctx, m.schema, schemaAt, false),
      schemaAt: located(schemaAt),
      ...(isObject(m.encoding) ? { encoding: m.encoding } : {}),
      ...examplesOf(m),
    };
  }
  return content;
}

function v3Response(ctx: OperationContext, raw: unknown, pointer: string): Response {
  const r = isObject(raw) ? raw : {};
  const headers: Record<string, { required: boolean; schema: SchemaObject | undefined }> = {};
  if (isObject(r.headers)) {
    for (const [name, h] of Object.entries(r.headers)) {
      if (isObject(h)) headers[name] = { required: h.required === true, schema: isObject(h.schema) ? h.schema : undefined };
    }
  }
  const origin = isObject(raw) ? ctx.origins.get(raw) : undefined;
  return { description: typeof r.description === 'string' ? r.description : '', content: v3Content(ctx, r.content, origin ?? { file: undefined, pointer }), headers, pointer, ...linksOf(r.links) };
}

export function securityOf(raw: unknown): SecurityRequirement[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((req) => {
    const out: Record<string, string[]> = {};
    for (const [name, scopes] of Object.entries(req)) out[name] = Array.isArray(scopes) ? scopes.map(String) : [];
    return out;
  });
}

/**
 * Security requirements, refusing the shapes that would read as fewer requirements than
 * written: `security: { bearer: [] }` (not a list) or `security: [bearer]` (not an object) would
 * otherwise leave the operation with no requirement at all, that is public.
 */
export function checkedSecurity(ctx: Pick<OperationContext, 'problems' | 'file' | 'locate' | 'locateIn'>, raw: unknown, at: Where): SecurityRequirement[] {
  const bad = (message: string, pointer: string): void => report(ctx, 'error', 'security-invalid', message, { file: at.file, pointer });
  if (!Array.isArray(raw)) {
    bad(`security must be a list of requirement objects, found ${JSON.stringify(raw)?.slice(0, 40) ?? String(raw)}`, at.pointer);
    return [];
  }
  raw.forEach((req, i) => {
    if (!isObject(req)) bad(`a security requirement must be an object of scheme names, found ${JSON.stringify(req)?.slice(0, 40) ?? String(req)}`, `${at.pointer}/${i}`);
    else for (const [name, scopes] of Object.entries(req)) if (!Array.isArray(scopes)) bad(`the scopes of "${name}" must be a list`, `${at.pointer}/${i}/${escapeToken(name)}`);
  });
  return securityOf(raw);
}
