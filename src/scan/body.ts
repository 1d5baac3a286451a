/**
 * Request bodies as a service parses them: JSON, `application/x-www-form-urlencoded`,
 * `multipart/form-data` (a boundary, one part per property, file parts for binary properties) and
 * XML built from the schema's `xml` object. A body sent in the wrong shape never reaches the code
 * behind the parser, and the parser's own error is not a finding, so each media type gets the
 * encoding its parsers expect (OpenAPI 3.1 §4.8.14 Encoding Object, §4.8.26 XML Object).
 *
 * Written by hand: form-data libraries build streams for uploads, not a deterministic string the
 * report can replay with curl, and no library builds XML from an OpenAPI schema.
 */
import type { SchemaObject } from '../openapi/index.js';
import { mergeAllOf } from './arbitrary.js';

export interface BodyOptions {
  /** The schema of the declared media type: file parts, XML names and attributes come from it. */
  readonly schema?: SchemaObject | undefined;
  /** The media type's `encoding` map (per-property contentType, style, explode). */
  readonly encoding?: Readonly<Record<string, unknown>> | undefined;
  /** The component name of a schema (`#/components/schemas/Pet` -> `Pet`), for XML root elements. */
  readonly schemaName?: ((schema: SchemaObject) => string | undefined) | undefined;
}

export interface EncodedBody {
  readonly body: string;
  /** The Content-Type to send: the declared type, concrete, with a boundary for multipart. */
  readonly contentType: string;
}

export type BodyFormat = 'json' | 'form' | 'multipart' | 'xml' | 'text' | 'binary';

/** `Multipart/Form-Data; x=y` -> `multipart/form-data`. */
function essence(mediaType: string): string {
  return (mediaType.split(';')[0] ?? '').trim().toLowerCase();
}

export function bodyFormat(mediaType: string): BodyFormat {
  const m = essence(mediaType);
  if (m === 'application/x-www-form-urlencoded') return 'form';
  if (m.startsWith('multipart/')) return 'multipart';
  if (/[/+]xml$/.test(m)) return 'xml';
  if (/[/+]json$/.test(m) || m === '*/*' || m === 'application/*') return 'json';
  if (m.startsWith('text/')) return 'text';
  return 'binary';
}

/** A declared media type made concrete: wildcards become a type a server can parse. */
export function concreteType(mediaType: string): string {
  const m = essence(mediaType);
  if (m === '*/*' || m === 'application/*' || m === 'application/*+json') return 'application/json';
  if (m === 'text/*') return 'text/plain';
  if (m === 'multipart/*') return 'multipart/form-data';
  return mediaType;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function flat(schema: SchemaObject | undefined): SchemaObject {
  if (schema === undefined) return {};
  return Array.isArray(schema.allOf) ? mergeAllOf(schema) : schema;
}

function propertySchema(schema: SchemaObject | undefined, name: string): SchemaObject | undefined {
  const props = flat(schema).properties;
  const p = isRecord(props) ? props[name] : undefined;
  return isRecord(p) ? p : undefined;
}

/** A value as a text field: scalars as written, objects and arrays as JSON. */
function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function encodeBody(body: unknown, mediaType: string, options: BodyOptions = {}): EncodedBody {
  const type = concreteType(mediaType);
  switch (bodyFormat(type)) {
    case 'form': return { body: encodeForm(body, options), contentType: type };
    case 'multipart': return encodeMultipart(body, options, essence(type));
    case 'xml': return { body: encodeXml(body, options), contentType: type };
    case 'json': return { body: JSON.stringify(body ?? null), contentType: type };
    default: return { body: typeof body === 'string' ? body : JSON.stringify(body ?? null), contentType: type };
  }
}

/**
 * `application/x-www-form-urlencoded`: arrays repeat their key (form, explode: the default),
 * `explode: false` joins them with commas; nested objects use `a[b]=c` (what qs, Rack, PHP and
 * Spring read) unless the encoding gives them a JSON content type.
 */
export function encodeForm(body: unknown, options: BodyOptions = {}): string {
  if (!isRecord(body)) return typeof body === 'string' ? body : '';
  const form = new URLSearchParams();
  const add = (key: string, value: unknown, explode: boolean, json: boolean): void => {
    if (value === undefined) return;
    if (json && typeof value === 'object' && value !== null) form.append(key, JSON.stringify(value));
    else if (Array.isArray(value)) {
      if (explode) for (const item of value) add(key, item, true, false);
      else form.append(key, value.map(text).join(','));
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v, explode, false);
    } else form.append(key, text(value));
  };
  for (const [name, value] of Object.entries(body)) {
    const enc = isRecord(options.encoding?.[name]) ? options.encoding[name] : {};
    add(name, value, enc.explode !== false, typeof enc.contentType === 'string' && /json/i.test(enc.contentType));
  }
  return form.toString();
}

/** A property sent as a file: `format: binary`/`base64`, a `contentMediaType`, or an encoding with a non-text type. */
function isFile(schema: SchemaObject | undefined, encodingType: string | undefined): boolean {
  if (schema === undefined) return false;
  const s = flat(schema);
  if (s.format === 'binary' || s.format === 'base64' || typeof s.contentMediaType === 'string' || typeof s.contentEncoding === 'string') return true;
  return encodingType !== undefined && !/^text\/|json|x-www-form-urlencoded/i.test(encodingType);
}

/** A small file a server accepts as its declared type where a text body can pass for it. */
function fileContent(value: unknown, type: string): string {
  if (/svg/i.test(type)) return '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';
  if (/xml/i.test(type)) return '<gh-scan/>';
  if (/json/i.test(type)) return '{}';
  if (/csv/i.test(type)) return 'gh,scan\n1,2\n';
  return typeof value === 'string' && value !== '' ? value : 'gatehouse scan file\n';
}

function extensionOf(type: string): string {
  const m = /\/(?:[\w.-]+\+)?([\w-]+)/.exec(type);
  const sub = m?.[1] ?? 'bin';
  return sub === 'plain' ? 'txt' : sub === 'octet-stream' ? 'bin' : sub;
}

interface Part { readonly name: string; readonly filename?: string; readonly type?: string; readonly content: string }

/**
 * `multipart/form-data` (RFC 7578): one part per property, repeated parts for arrays of scalars,
 * JSON parts for objects, file parts (with a filename and a type) for binary properties. The
 * boundary is chosen so it occurs in no part, and is the same for the same body.
 */
export function encodeMultipart(body: unknown, options: BodyOptions = {}, mediaType = 'multipart/form-data'): EncodedBody {
  const parts: Part[] = [];
  const fields = isRecord(body) ? body : body === undefined ? {} : { value: body };
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const enc = isRecord(options.encoding?.[name]) ? options.encoding[name] : {};
    const encType = typeof enc.contentType === 'string' ? enc.contentType.split(',')[0]?.trim() : undefined;
    const schema = propertySchema(options.schema, name);
    const itemSchema = schema !== undefined && isRecord(flat(schema).items) ? flat(schema).items as SchemaObject : undefined;
    const fileType = (s: SchemaObject | undefined): string => encType ?? (typeof s?.contentMediaType === 'string' ? s.contentMediaType : 'application/octet-stream');
    if (Array.isArray(value) && !(encType !== undefined && /json/i.test(encType))) {
      value.forEach((item, i) => {
        if (isFile(itemSchema, encType)) parts.push({ name, filename: `gh-scan-${i + 1}.${extensionOf(fileType(itemSchema))}`, type: fileType(itemSchema), content: fileContent(item, fileType(itemSchema)) });
        else parts.push(typeof item === 'object' && item !== null ? { name, type: 'application/json', content: JSON.stringify(item) } : { name, content: text(item) });
      });
    } else if (isFile(schema, encType)) {
      const type = fileType(schema);
      parts.push({ name, filename: `gh-scan.${extensionOf(type)}`, type, content: fileContent(value, type) });
    } else if (typeof value === 'object' && value !== null) {
      parts.push({ name, type: encType ?? 'application/json', content: JSON.stringify(value) });
    } else {
      parts.push({ name, ...(encType !== undefined && encType !== 'text/plain' ? { type: encType } : {}), content: text(value) });
    }
  }
  const boundary = boundaryFor(parts);
  const quote = (s: string): string => s.replace(/["\\\r\n]/g, (c) => (c === '"' ? '%22' : c === '\\' ? '\\\\' : ''));
  const out: string[] = [];
  for (const p of parts) {
    out.push(`--${boundary}\r\n`);
    out.push(`Content-Disposition: form-data; name="${quote(p.name)}"${p.filename === undefined ? '' : `; filename="${quote(p.filename)}"`}\r\n`);
    if (p.type !== undefined) out.push(`Content-Type: ${p.type}\r\n`);
    out.push(`\r\n${p.content}\r\n`);
  }
  out.push(`--${boundary}--\r\n`);
  return { body: out.join(''), contentType: `${mediaType}; boundary=${boundary}` };
}

function boundaryFor(parts: readonly Part[]): string {
  for (let n = 0; ; n++) {
    const boundary = `----GatehouseScanBoundary${n.toString(36).padStart(4, '0')}`;
    if (!parts.some((p) => p.content.includes(boundary) || p.name.includes(boundary))) return boundary;
  }
}

const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)
  // Characters XML 1.0 cannot carry at all, escaped or not.
  // eslint-disable-next-line no-control-regex
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');

const XML_NAME = /^[A-Za-z_][\w.-]*$/;

function xmlName(name: string): string {
  const clean = name.replace(/[^\w.-]/g, '_');
  return XML_NAME.test(clean) ? clean : `_${clean}`;
}

interface XmlObject { name?: string; namespace?: string; prefix?: string; attribute?: boolean; wrapped?: boolean }

function xmlOf(schema: SchemaObject | undefined): XmlObject {
  const x = schema === undefined ? undefined : flat(schema).xml;
  return isRecord(x) ? x as XmlObject : {};
}

/**
 * XML from the schema (OpenAPI XML Object): the root is named by `xml.name`, else the schema's
 * component name, else `root`; properties become child elements or, with `xml.attribute`,
 * attributes; arrays repeat their item element, inside a wrapper when `xml.wrapped`.
 */
export function encodeXml(body: unknown, options: BodyOptions = {}): string {
  const schema = options.schema;
  const rootName = xmlOf(schema).name ?? (schema === undefined ? undefined : options.schemaName?.(schema)) ?? 'root';
  if (Array.isArray(body) && xmlOf(schema).wrapped !== true) {
    // A document has one root: an unwrapped top-level array still needs an element around it.
    const items = schema === undefined ? undefined : flat(schema).items as SchemaObject | undefined;
    const { tag } = qualified(rootName, xmlOf(schema));
    return `<?xml version="1.0" encoding="UTF-8"?>\n<${tag}>${body.map((v) => element(xmlOf(items).name ?? 'item', v, items, options, 1)).join('')}</${tag}>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element(rootName, body, schema, options, 0)}`;
}

function qualified(name: string, x: XmlObject): { tag: string; ns: string } {
  const tag = x.prefix === undefined ? xmlName(name) : `${xmlName(x.prefix)}:${xmlName(name)}`;
  const ns = x.namespace === undefined ? '' : ` xmlns${x.prefix === undefined ? '' : `:${xmlName(x.prefix)}`}="${escapeXml(x.namespace)}"`;
  return { tag, ns };
}

function element(name: string, value: unknown, schema: SchemaObject | undefined, options: BodyOptions, depth: number): string {
  const x = xmlOf(schema);
  const { tag, ns } = qualified(x.name ?? name, x);
  if (depth > 12) return `<${tag}${ns}/>`;
  if (Array.isArray(value)) {
    const items = schema === undefined ? undefined : flat(schema).items as SchemaObject | undefined;
    const inner = value.map((v) => element(xmlOf(items).name ?? name, v, items, options, depth + 1)).join('');
    return x.wrapped === true ? `<${tag}${ns}>${inner}</${tag}>` : inner;
  }
  if (!isRecord(value)) return value === null || value === undefined ? `<${tag}${ns}/>` : `<${tag}${ns}>${escapeXml(text(value))}</${tag}>`;
  const attributes: string[] = [];
  const children: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const ps = propertySchema(schema, k);
    const px = xmlOf(ps);
    if (px.attribute === true && (typeof v !== 'object' || v === null)) attributes.push(` ${qualified(px.name ?? k, px).tag}="${escapeXml(text(v))}"`);
    else children.push(element(k, v, ps, options, depth + 1));
  }
  return children.length === 0 ? `<${tag}${ns}${attributes.join('')}/>` : `<${tag}${ns}${attributes.join('')}>${children.join('')}</${tag}>`;
}
