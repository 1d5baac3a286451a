import type { MediaType, Response, SchemaObject, SecurityScheme } from './types.js';
import { isObject } from './pointer.js';

/** Swagger 2.0 keywords of a non-body parameter (or of its `items`) that are schema keywords. */
const PARAM_SCHEMA_KEYS = [
  'type', 'format', 'enum', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'x-nullable',
];

/** Builds the schema a 2.0 non-body parameter (or header, or `items`) describes inline. */
export function schemaFromV2Param(p: Record<string, unknown>, depth = 0): SchemaObject {
  const schema: SchemaObject = {};
  for (const key of PARAM_SCHEMA_KEYS) if (p[key] !== undefined) schema[key] = p[key];
  if (isObject(p.items) && depth < 8) schema.items = schemaFromV2Param(p.items, depth + 1);
  return schema;
}

/** 2.0 `collectionFormat` expressed as the 3.x style/explode pair. */
export function styleFromCollectionFormat(format: unknown, location: string): { style: string; explode: boolean } {
  const base = location === 'query' || location === 'cookie' ? 'form' : 'simple';
  switch (format) {
    case 'multi': return { style: 'form', explode: true };
    case 'ssv': return { style: 'spaceDelimited', explode: false };
    case 'pipes': return { style: 'pipeDelimited', explode: false };
    case 'tsv': return { style: 'tabDelimited', explode: false };
    default: return { style: base, explode: false };
  }
}

function mediaTypes(value: unknown, fallback: readonly string[]): string[] {
  return Array.isArray(value) && value.length > 0 ? value.filter((v): v is string => typeof v === 'string') : [...fallback];
}

export function v2Consumes(op: Record<string, unknown>, doc: Record<string, unknown>): string[] {
  return mediaTypes(op.consumes, mediaTypes(doc.consumes, ['application/json']));
}

export function v2Produces(op: Record<string, unknown>, doc: Record<string, unknown>): string[] {
  return mediaTypes(op.produces, mediaTypes(doc.produces, ['application/json']));
}

/** `in: formData` parameters become one object schema under a form or multipart media type. */
export function formBodyContent(params: readonly Record<string, unknown>[], consumes: readonly string[]): Record<string, MediaType> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  let hasFile = false;
  for (const p of params) {
    const name = String(p.name);
    if (p.type === 'file') hasFile = true;
    properties[name] = p.type === 'file' ? { type: 'string', format: 'binary' } : schemaFromV2Param(p);
    if (p.required === true) required.push(name);
  }
  const schema: SchemaObject = { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
  let types = consumes.filter((m) => /^(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(m));
  if (types.length === 0) types = [hasFile ? 'multipart/form-data' : 'application/x-www-form-urlencoded'];
  return Object.fromEntries(types.map((m) => [m, { schema }]));
}

export function v2Response(raw: unknown, produces: readonly string[], pointer: string): Response {
  const r = isObject(raw) ? raw : {};
  const content: Record<string, MediaType> = {};
  if (isObject(r.schema)) for (const m of produces) content[m] = { schema: r.schema, schemaAt: { pointer: `${pointer}/schema` } };
  const headers: Record<string, { required: boolean; schema: SchemaObject | undefined }> = {};
  if (isObject(r.headers)) {
    for (const [name, h] of Object.entries(r.headers)) {
      if (isObject(h)) headers[name] = { required: false, schema: schemaFromV2Param(h) };
    }
  }
  return { description: typeof r.description === 'string' ? r.description : '', content, headers, pointer };
}

const FLOW_NAMES: Record<string, string> = {
  implicit: 'implicit', password: 'password', application: 'clientCredentials', accessCode: 'authorizationCode',
};

export function v2SecurityScheme(raw: Record<string, unknown>, pointer: string): SecurityScheme {
  if (raw.type === 'basic') return { type: 'http', scheme: 'basic', pointer };
  if (raw.type === 'apiKey') {
    const where = raw.in === 'query' ? 'query' : 'header';
    return { type: 'apiKey', name: String(raw.name ?? ''), in: where, pointer };
  }
  if (raw.type === 'oauth2') {
    const flow = FLOW_NAMES[String(raw.flow)] ?? String(raw.flow);
    const scopes = isObject(raw.scopes) ? (raw.scopes as Record<string, string>) : {};
    const f: { scopes: Record<string, string>; authorizationUrl?: string; tokenUrl?: string } = { scopes };
    if (typeof raw.authorizationUrl === 'string') f.authorizationUrl = raw.authorizationUrl;
    if (typeof raw.tokenUrl === 'string') f.tokenUrl = raw.tokenUrl;
    return { type: 'oauth2', flows: { [flow]: f }, pointer };
  }
  return { type: String(raw.type), pointer };
}

export function v2Servers(doc: Record<string, unknown>): string[] {
  const basePath = typeof doc.basePath === 'string' ? doc.basePath : '';
  if (typeof doc.host !== 'string' || doc.host === '') return basePath === '' ? [] : [basePath];
  const schemes = Array.isArray(doc.schemes) && doc.schemes.length > 0 ? doc.schemes.map(String) : ['https'];
  return schemes.map((s) => `${s}://${doc.host as string}${basePath}`);
}
