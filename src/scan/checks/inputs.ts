/**
 * Places in a request an attack value can go: string-typed query, path, header and cookie
 * parameters and top-level string properties of a JSON, form, multipart or XML body.
 */
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { mergeAllOf, typesOf } from '../arbitrary.js';
import { bodyFormat, bodySchema, generatedParameters, preferredMediaType, type RequestValues } from '../request.js';

export interface InputSpot {
  readonly where: 'path' | 'query' | 'header' | 'cookie' | 'body';
  readonly name: string;
  readonly schema: SchemaObject;
  set(values: RequestValues, value: unknown): RequestValues;
}

function stringy(schema: SchemaObject | undefined): boolean {
  if (schema === undefined) return true;
  const types = typesOf(schema);
  return !Array.isArray(schema.enum) && (types.length === 0 || types.includes('string'));
}

export function inputSpots(op: Operation, filter: (name: string, schema: SchemaObject) => boolean = (_n, s) => stringy(s)): InputSpot[] {
  const out: InputSpot[] = [];
  for (const p of generatedParameters(op)) {
    const schema = p.schema ?? {};
    if (!filter(p.name, schema)) continue;
    const slot = p.in;
    out.push({ where: slot, name: p.name, schema, set: (v, value) => ({ ...v, [slot]: { ...v[slot], [p.name]: value }, attack: `${slot} ${p.name}` }) });
  }
  const media = preferredMediaType(op);
  // Every body format the scan encodes from an object: JSON, forms, multipart and XML.
  if (media === undefined || !['json', 'form', 'multipart', 'xml'].includes(bodyFormat(media))) return out;
  const raw = bodySchema(op);
  const schema = raw === undefined ? {} : Array.isArray(raw.allOf) ? mergeAllOf(raw) : raw;
  for (const [name, ps] of Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>)) {
    if (typeof ps !== 'object' || ps === null || ps.readOnly === true || !filter(name, ps)) continue;
    out.push({
      where: 'body', name, schema: ps,
      set: (v, value) => {
        const body = v.body !== null && typeof v.body === 'object' && !Array.isArray(v.body) ? v.body as Record<string, unknown> : {};
        return { ...v, body: { ...body, [name]: value }, mediaType: v.mediaType ?? media, attack: `body ${name}` };
      },
    });
  }
  return out;
}

export function isStringy(schema: SchemaObject): boolean {
  return stringy(schema);
}
