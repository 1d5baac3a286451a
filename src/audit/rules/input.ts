import { child, isObject, type Json } from '../raw.js';
import { typesOf } from '../schema-walk.js';
import type { Rule, SchemaSite } from '../types.js';
import { normName } from './util.js';

const BINARY_FORMATS = new Set(['binary', 'byte', 'base64']);
const URL_FORMATS = new Set(['uri', 'url', 'uri-reference', 'iri', 'iri-reference', 'uri-template']);
const URL_NAMES = new Set(['url', 'uri', 'callbackurl', 'webhook', 'webhookurl', 'redirecturi', 'redirecturl', 'returnurl', 'nexturl', 'targeturl',
  'href', 'imageurl', 'avatarurl', 'feedurl', 'endpointurl']);
/**
 * Names that hold a URL only sometimes (`callback` is also a JSONP function name, `destination` an
 * account id, `target` a relationship): they count when the description or format says URL.
 */
const MAYBE_URL_NAMES = new Set(['callback', 'redirect', 'returnto', 'next', 'endpoint', 'target', 'dest', 'destination', 'link', 'feed', 'proxy', 'host']);
const URL_WORDING = /\b(url|uri|https?:|web ?hook|address of)\b/i;

/** `high` for a URL name, `medium` for a maybe-URL name whose description says URL; undefined otherwise. */
function urlNameEvidence(name: string, schema: Json | undefined, written: unknown): 'high' | 'medium' | undefined {
  const n = normName(name);
  if (URL_NAMES.has(n)) return 'high';
  if (!MAYBE_URL_NAMES.has(n)) return undefined;
  const description = [schema?.description, isObject(written) ? written.description : undefined].find((d): d is string => typeof d === 'string');
  return description !== undefined && URL_WORDING.test(description) ? 'medium' : undefined;
}

function isString(n: Json): boolean {
  const t = typesOf(n);
  return t.includes('string');
}

function isBinary(n: Json): boolean {
  return n.type === 'file' || (isString(n) && (BINARY_FORMATS.has(String(n.format)) || n.contentEncoding !== undefined || n.contentMediaType !== undefined));
}

function isObjectSchema(n: Json): boolean {
  return typesOf(n).includes('object') || (n.type === undefined && isObject(n.properties));
}

const req = (s: SchemaSite): boolean => s.role === 'request';

export const inputRules: Rule[] = [
  {
    id: 'GH-INPUT-001', title: 'String input without bounds', severity: 'medium', owasp: 'API4:2023', mitigatedBy: 'maxStringLength',
    description: 'A string accepted without maxLength, pattern, enum or format can be megabytes long and carry anything.',
    fix: 'Add `maxLength` (and a `pattern`, `format` or `enum` where the value has a known shape).',
    visitSchema(s, emit) {
      const n = s.node;
      if (!req(s) || !isString(n) || isBinary(n)) return;
      if (n.maxLength === undefined && n.pattern === undefined && n.enum === undefined && n.const === undefined && n.format === undefined) emit(s.pointer, 'string input has no maxLength, pattern, enum or format');
    },
  },
  {
    id: 'GH-INPUT-002', title: 'Numeric input without bounds', severity: 'low', owasp: 'API4:2023',
    description: 'Unbounded numbers reach page sizes, quantities and amounts: negative values or huge ones cause abuse and overflow.',
    fix: 'Add `minimum` and `maximum` (or `exclusiveMinimum` / `exclusiveMaximum`).',
    visitSchema(s, emit) {
      const n = s.node;
      const t = typesOf(n);
      if (!req(s) || !(t.includes('integer') || t.includes('number')) || n.enum !== undefined || n.const !== undefined) return;
      const min = n.minimum !== undefined || typeof n.exclusiveMinimum === 'number';
      const max = n.maximum !== undefined || typeof n.exclusiveMaximum === 'number';
      if (!min || !max) emit(s.pointer, `numeric input has no ${!min && !max ? 'minimum or maximum' : !min ? 'minimum' : 'maximum'}`);
    },
  },
  {
    id: 'GH-INPUT-003', title: 'Array input without maxItems', severity: 'medium', owasp: 'API4:2023', mitigatedBy: 'maxArrayItems',
    description: 'An unbounded array lets one request carry millions of items and exhaust memory or downstream quotas (batch abuse).',
    fix: 'Add `maxItems` to every array the API accepts.',
    visitSchema(s, emit) {
      if (req(s) && typesOf(s.node).includes('array') && s.node.maxItems === undefined) emit(s.pointer, 'array input has no maxItems');
    },
  },
  {
    id: 'GH-INPUT-004', title: 'Request object accepts undeclared properties', severity: 'medium', owasp: 'API3:2023', mitigatedBy: 'unknownFieldsRejected',
    description: 'An open request object lets clients send fields the contract does not name (role, isAdmin, price): mass assignment.',
    fix: 'Set `additionalProperties: false` (or `unevaluatedProperties: false` in 3.1) on request objects.',
    visitSchema(s, emit) {
      const n = s.node;
      // Half of a composed schema: closing it alone would reject its siblings' properties, so the
      // finding belongs to the composition, never to the member.
      if (!req(s) || s.upload || s.composedMember || n.oneOf !== undefined || n.anyOf !== undefined) return;
      if (n.unevaluatedProperties === false || n.additionalProperties === false || isObject(n.additionalProperties)) return;
      if (Array.isArray(n.allOf)) {
        const objectish = isObjectSchema(n) || n.allOf.some((m) => { const r = s.resolve(m); return r !== undefined && isObjectSchema(r); });
        if (!objectish) return;
        if (s.openapi31) emit(s.pointer, 'composed request object (allOf) allows additional properties: close it here with `unevaluatedProperties: false`, not on its members');
        else emit(s.pointer, 'composed request object (allOf) allows additional properties; OpenAPI 3.0 cannot close an allOf without repeating its members\' properties: flatten it, or reject unknown fields at the gateway (contract unknownFields: reject)');
        return;
      }
      // An object that declares no property is a free-form map by design (`metadata`): its size is
      // GH-INPUT-010's concern; mass assignment needs named fields to smuggle extra ones beside.
      if (isObjectSchema(n) && isObject(n.properties) && Object.keys(n.properties).length > 0) emit(s.pointer, 'request object allows additional properties');
    },
  },
  {
    id: 'GH-INPUT-005', title: 'File upload without size limit', severity: 'medium', owasp: 'API4:2023', mitigatedBy: 'maxBodyBytes',
    description: 'An upload with no declared maximum size invites storage and memory exhaustion.',
    fix: 'Give binary fields a `maxLength` (bytes) and enforce a body size limit at the gateway.',
    visitSchema(s, emit) {
      if (req(s) && isBinary(s.node) && s.node.maxLength === undefined) emit(s.pointer, 'uploaded content has no maximum size');
    },
  },
  {
    id: 'GH-INPUT-006', title: 'URL accepted as input (SSRF)', severity: 'medium', owasp: 'API7:2023',
    description: 'A URL the server fetches on the client\'s behalf can be aimed at internal services and cloud metadata endpoints.',
    fix: 'Avoid taking URLs; if needed, restrict them with `enum` or an anchored `pattern` of allowed hosts and validate server-side.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) for (const p of op.parameters) {
        const evidence = urlNameEvidence(p.name, p.schema, ctx.raw.get(ctx.raw.placeOf(p)));
        if (evidence !== undefined && !restricted(p.schema) && holdsText(p.schema)) emit(ctx.raw.placeOf(p), `parameter \`${p.name}\` takes a URL`, { confidence: evidence });
      }
    },
    visitSchema(s, emit) {
      if (!req(s)) return;
      // readOnly values are the server's own (links it generates); a client cannot set them.
      if (s.node.readOnly === true) return;
      if (isString(s.node) && URL_FORMATS.has(String(s.node.format).toLowerCase()) && !restricted(s.node)) emit(s.pointer, 'input of URL format');
      const props = s.node.properties;
      if (isObject(props)) for (const [name, p] of Object.entries(props)) {
        const target = s.resolve(p);
        if (target?.readOnly === true) continue;
        // A uri-formatted property is reported by the format check above, at the property's own node.
        if (target !== undefined && URL_FORMATS.has(String(target.format).toLowerCase())) continue;
        const evidence = urlNameEvidence(name, target, p);
        if (evidence !== undefined && !(target !== undefined && restricted(target)) && holdsText(target)) {
          emit(child(s.pointer, 'properties', name), `property \`${name}\` takes a URL`, { confidence: evidence === 'high' ? 'medium' : 'low' });
        }
      }
    },
  },
  {
    id: 'GH-INPUT-007', title: 'Wildcard request content type', severity: 'medium', owasp: 'API8:2023',
    description: 'Accepting `*/*` lets clients send any format, bypassing schema validation and enabling parser confusion.',
    fix: 'List the exact media types the operation accepts (e.g. `application/json`).',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        if (op.requestBody === undefined) continue;
        for (const mt of Object.keys(op.requestBody.content)) if (mt === '*/*') emit(ctx.spec.version === '2.0' ? op.pointer : child(ctx.raw.placeOf(op.requestBody), 'content', mt), `${op.method} ${op.path} accepts any content type`);
      }
    },
  },
  {
    id: 'GH-INPUT-008', title: 'Untyped request schema', severity: 'low', owasp: 'API8:2023',
    description: 'A request schema with no type or structure accepts any JSON value, so validation cannot protect the service.',
    fix: 'Give the schema a `type` and describe its properties or items.',
    visitSchema(s, emit) {
      const n = s.node;
      if (!req(s) || s.upload) return;
      const shaped = ['type', 'properties', 'items', 'allOf', 'anyOf', 'oneOf', 'enum', 'const', 'not', '$ref', 'schema', 'content', 'in', 'additionalProperties'];
      if (!shaped.some((k) => n[k] !== undefined)) emit(s.pointer, 'request schema accepts any value');
    },
  },
  {
    id: 'GH-INPUT-009', title: 'Unanchored pattern', severity: 'low', owasp: 'API8:2023',
    description: 'A regular expression without `^...$` matches any string that merely contains an allowed part.',
    fix: 'Anchor input patterns with `^` and `$`.',
    visitSchema(s, emit) {
      const p = s.node.pattern;
      if (req(s) && typeof p === 'string' && !(p.startsWith('^') && p.endsWith('$'))) emit(child(s.pointer, 'pattern'), `pattern \`${p.slice(0, 60)}\` is not anchored`);
    },
  },
];

/** A link named `next` that is an integer cursor, or `host` that is an object, is not a URL. */
function holdsText(n: Json | undefined): boolean {
  if (n === undefined) return true;
  const t = typesOf(n).filter((x) => x !== 'null');
  if (t.length === 0) return !isObject(n.properties) && n.items === undefined && n.$ref === undefined;
  return t.includes('string');
}

function restricted(n: Json | undefined): boolean {
  return n !== undefined && (n.enum !== undefined || n.const !== undefined || (typeof n.pattern === 'string' && n.pattern.startsWith('^')));
}
