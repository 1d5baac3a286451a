/**
 * Bodies the shared request builder (src/scan/body.ts) cannot make, because a check must control
 * every byte: a multipart file part with the check's own file name, type and document (an XML
 * file for the XXE check), and an XML document carrying the check's own DOCTYPE and entity
 * references, which a schema-driven encoder rightly escapes. Everything else is sent through
 * `sendOp` and encoded there.
 */
import { randomBytes } from 'node:crypto';
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { mergeAllOf, typesOf } from '../arbitrary.js';
import { sendOp, type ScanContext, type Sent } from '../context.js';
import type { RequestValues } from '../request.js';
import type { Identity } from '../types.js';

export const isMultipart = (media: string | undefined): boolean => media !== undefined && /^multipart\/form-data\b/i.test(media);
export const isXml = (media: string | undefined): boolean => media !== undefined && /[/+]xml\b/i.test(media);

/** A file part: what a check uploads, with its own name and type. */
export interface FilePart {
  readonly filename: string;
  readonly contentType: string;
  readonly content: string;
}

export function isFilePart(v: unknown): v is FilePart {
  return v !== null && typeof v === 'object' && typeof (v as FilePart).filename === 'string' && typeof (v as FilePart).content === 'string';
}

/** Whether a property is a file upload (`format: binary`/`base64`, or a 2.0 `type: file`). */
export function isBinary(schema: SchemaObject | undefined): boolean {
  return schema !== undefined && (schema.format === 'binary' || schema.type === 'file' || (schema.format === 'byte' && schema.contentMediaType !== undefined));
}

function flat(schema: SchemaObject | undefined): SchemaObject {
  if (schema === undefined) return {};
  return Array.isArray(schema.allOf) ? mergeAllOf(schema) : schema;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean);
}

/** RFC 7578 multipart/form-data; returns the body and the content type with its boundary. */
export function encodeMultipart(fields: Record<string, unknown>, schema?: SchemaObject): { body: string; contentType: string } {
  const boundary = `----ghscan${randomBytes(8).toString('hex')}`;
  const props = (flat(schema).properties ?? {}) as Record<string, SchemaObject>;
  const parts: string[] = [];
  const quote = (s: string): string => s.replace(/[\r\n"]/g, '_');
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) && !isBinary(props[name]) ? value : [value];
    for (const v of values) {
      if (isFilePart(v) || isBinary(props[name])) {
        const file = isFilePart(v) ? v : { filename: 'gh-scan.txt', contentType: 'text/plain', content: text(v) };
        parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"; filename="${quote(file.filename)}"\r\nContent-Type: ${file.contentType}\r\n\r\n${file.content}\r\n`);
      } else {
        parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${text(v)}\r\n`);
      }
    }
  }
  return { body: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** An element name the schema gives (`xml.name`) or the property's own name made XML-safe. */
function elementName(name: string, schema: SchemaObject | undefined): string {
  const xml = schema?.xml as { name?: unknown } | undefined;
  const raw = typeof xml?.name === 'string' ? xml.name : name;
  const safe = raw.replace(/[^\w.-]/g, '_');
  return /^[A-Za-z_]/.test(safe) ? safe : `_${safe}`;
}

/**
 * The root element for an operation's XML body: the schema's `xml.name`, else its component name,
 * else the singular of the collection in the path (`/tickets/import` -> `ticket`), else `root`.
 */
export function xmlRootName(op: Operation, schema: SchemaObject | undefined, componentName?: (s: SchemaObject) => string | undefined): string {
  const xml = flat(schema).xml as { name?: unknown } | undefined;
  if (typeof xml?.name === 'string') return elementName(xml.name, undefined);
  const named = schema === undefined ? undefined : componentName?.(schema);
  if (named !== undefined) return elementName(named, undefined);
  const literal = op.path.split('/').filter((s) => s !== '' && !s.startsWith('{') && !/^v\d+$/.test(s));
  const collection = literal.find((s, i) => i < literal.length - 1 && /s$/.test(s)) ?? literal[literal.length - 1];
  return collection === undefined ? 'root' : elementName(collection.replace(/ies$/, 'y').replace(/s$/, ''), undefined);
}

/**
 * An XML document for a value under a schema. `raw` strings (entity references a check places on
 * purpose) are written unescaped; everything else is escaped.
 */
export function encodeXml(root: string, value: unknown, schema: SchemaObject | undefined, options: { doctype?: string; raw?: ReadonlySet<string> } = {}): string {
  const body = element(root, value, schema, options.raw ?? new Set(), 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${options.doctype ?? ''}${body}`;
}

function element(name: string, value: unknown, schema: SchemaObject | undefined, raw: ReadonlySet<string>, depth: number): string {
  const s = flat(schema);
  if (Array.isArray(value)) return value.map((v) => element(name, v, s.items as SchemaObject | undefined, raw, depth + 1)).join('');
  if (value !== null && typeof value === 'object' && depth < 8) {
    const props = (s.properties ?? {}) as Record<string, SchemaObject>;
    const attrs: string[] = [];
    const children: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      const ps = props[k];
      const xml = ps?.xml as { attribute?: unknown } | undefined;
      if (xml?.attribute === true && (v === null || typeof v !== 'object')) attrs.push(` ${elementName(k, ps)}="${escapeXml(text(v))}"`);
      else children.push(element(elementName(k, ps), v, ps, raw, depth + 1));
    }
    return `<${name}${attrs.join('')}>${children.join('')}</${name}>`;
  }
  const t = text(value);
  return `<${name}>${typeof value === 'string' && raw.has(value) ? value : escapeXml(t)}</${name}>`;
}

export function mediaSchema(op: Operation, media: string | undefined): SchemaObject | undefined {
  return media === undefined ? undefined : op.requestBody?.content[media]?.schema;
}

/** `sendOp` with a multipart body that carries a file part of the check's own making. */
export function sendWithFile(ctx: ScanContext, op: Operation, values: RequestValues, identity: Identity | undefined): Promise<Sent> {
  const fields = values.body !== null && typeof values.body === 'object' && !Array.isArray(values.body) ? values.body as Record<string, unknown> : {};
  const { body, contentType } = encodeMultipart(fields, mediaSchema(op, values.mediaType));
  return sendOp(ctx, op, values, identity, { rawBody: body, headers: { 'content-type': contentType } });
}

/** The body schema's properties for any media type, allOf folded. */
export function bodyProperties(op: Operation, media: string | undefined): Record<string, SchemaObject> {
  const s = flat(mediaSchema(op, media));
  return typesOf(s).includes('object') || s.properties !== undefined ? (s.properties ?? {}) as Record<string, SchemaObject> : {};
}
