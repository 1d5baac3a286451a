import type {
  HttpMethod, Link, MediaType, Operation, Parameter, ParameterLocation, RequestBody, Response, SchemaObject,
  SecurityRequirement, SpecProblem, SpecVersion,
} from './types.js';
import type { Origin } from './deref.js';
import { escapeToken, isObject } from './pointer.js';
import {
  formBodyContent, schemaFromV2Param, styleFromCollectionFormat, v2Consumes, v2Produces, v2Response,
} from './normalize-v2.js';

const METHODS: readonly HttpMethod[] = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];
const LOCATIONS = new Set<string>(['path', 'query', 'header', 'cookie']);

export interface OperationContext {
  readonly version: SpecVersion;
  readonly doc: Record<string, unknown>;
  readonly origins: WeakMap<object, Origin>;
  readonly problems: SpecProblem[];
  readonly file: string;
  readonly locate: (pointer: string) => number | undefined;
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
  const line = ctx.locate(pointer);
  ctx.problems.push({ severity: 'warning', code, message, file: ctx.file, pointer, ...(line === undefined ? {} : { line }) });
}

function buildOperation(
  ctx: OperationContext, template: string, method: HttpMethod, op: Record<string, unknown>,
  shared: unknown[], itemPointer: string, pointer: string,
): Omit<Operation, 'id'> {
  // Operation-level parameters override path-level ones with the same name and location.
  const merged = new Map<string, { raw: Record<string, unknown>; pointer: string }>();
  const add = (list: unknown[], base: string): void => {
    list.forEach((p, i) => {
      if (isObject(p) && typeof p.name === 'string') {
        merged.set(`${String(p.in)}\u0000${p.name}`, { raw: p, pointer: ctx.origins.get(p)?.pointer ?? `${base}/parameters/${i}` });
      }
    });
  };
  add(shared, itemPointer);
  add(Array.isArray(op.parameters) ? op.parameters : [], pointer);

  const parameters: Parameter[] = [];
  const formParams: Record<string, unknown>[] = [];
  let requestBody: RequestBody | undefined;
  for (const { raw, pointer: pp } of merged.values()) {
    if (ctx.version === '2.0' && raw.in === 'body') {
      const content: Record<string, MediaType> = {};
      for (const m of v2Consumes(op, ctx.doc)) content[m] = { schema: isObject(raw.schema) ? raw.schema : undefined };
      requestBody = { required: raw.required === true, content, pointer: pp };
    } else if (ctx.version === '2.0' && raw.in === 'formData') {
      formParams.push(raw);
    } else if (typeof raw.in === 'string' && LOCATIONS.has(raw.in)) {
      parameters.push(buildParameter(ctx, raw, raw.in as ParameterLocation, pp));
    } else {
      warn(ctx, 'parameter-location', `parameter "${String(raw.name)}" has an unknown location "${String(raw.in)}"`, pp);
    }
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
    requestBody = { required: rb.required === true, content: v3Content(rb.content), pointer: ctx.origins.get(rb)?.pointer ?? `${pointer}/requestBody` };
  }

  const responses: Record<string, Response> = {};
  if (isObject(op.responses)) {
    for (const [status, r] of Object.entries(op.responses)) {
      const rp = `${pointer}/responses/${escapeToken(status)}`;
      responses[status] = ctx.version === '2.0' ? v2Response(r, v2Produces(op, ctx.doc), rp) : v3Response(r, rp);
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
    security: securityOf(op.security ?? ctx.doc.security),
    extensions,
    pointer,
  };
}

function buildParameter(ctx: OperationContext, raw: Record<string, unknown>, where: ParameterLocation, pointer: string): Parameter {
  let schema: SchemaObject | undefined;
  let style: string;
  let explode: boolean;
  let contentType: string | undefined;
  if (ctx.version === '2.0') {
    schema = schemaFromV2Param(raw);
    ({ style, explode } = styleFromCollectionFormat(raw.collectionFormat, where));
  } else {
    schema = isObject(raw.schema) ? raw.schema : undefined;
    if (schema === undefined && isObject(raw.content)) {
      const [type, media] = Object.entries(raw.content)[0] ?? [];
      if (isObject(media) && isObject(media.schema)) schema = media.schema;
      contentType = type;
    }
    style = typeof raw.style === 'string' ? raw.style : where === 'query' || where === 'cookie' ? 'form' : 'simple';
    explode = typeof raw.explode === 'boolean' ? raw.explode : style === 'form';
  }
  const extensions: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) if (key.startsWith('x-')) extensions[key] = raw[key];
  return {
    name: String(raw.name),
    in: where,
    required: where === 'path' ? true : raw.required === true,
    schema,
    style,
    explode,
    deprecated: raw.deprecated === true,
    allowReserved: raw.allowReserved === true,
    pointer,
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

function v3Content(raw: unknown): Record<string, MediaType> {
  const content: Record<string, MediaType> = {};
  if (!isObject(raw)) return content;
  for (const [type, m] of Object.entries(raw)) {
    if (!isObject(m)) continue;
    content[type] = {
      schema: isObject(m.schema) ? m.schema : typeof m.schema === 'boolean' ? (m.schema ? {} : { not: {} }) : undefined,
      ...(isObject(m.encoding) ? { encoding: m.encoding } : {}),
      ...examplesOf(m),
    };
  }
  return content;
}

function v3Response(raw: unknown, pointer: string): Response {
  const r = isObject(raw) ? raw : {};
  const headers: Record<string, { required: boolean; schema: SchemaObject | undefined }> = {};
  if (isObject(r.headers)) {
    for (const [name, h] of Object.entries(r.headers)) {
      if (isObject(h)) headers[name] = { required: h.required === true, schema: isObject(h.schema) ? h.schema : undefined };
    }
  }
  return { description: typeof r.description === 'string' ? r.description : '', content: v3Content(r.content), headers, pointer, ...linksOf(r.links) };
}

export function securityOf(raw: unknown): SecurityRequirement[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((req) => {
    const out: Record<string, string[]> = {};
    for (const [name, scopes] of Object.entries(req)) out[name] = Array.isArray(scopes) ? scopes.map(String) : [];
    return out;
  });
}
