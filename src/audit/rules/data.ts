import { child, isObject, splitAddress } from '../raw.js';
import type { Rule } from '../types.js';
import { isSensitiveName, normName, sensitiveNameMatch, valueShape } from './util.js';

/** Personal data; credentials in the query (password, pin) are GH-AUTH-005's. */
const PII_QUERY = new Set(['ssn', 'socialsecuritynumber', 'cardnumber', 'creditcard', 'creditcardnumber', 'cvv', 'cvc', 'dob', 'dateofbirth', 'email', 'phone', 'phonenumber']);
/** Names that only ever mean a trace, whatever their shape. */
const DEBUG_FIELDS = new Set(['stacktrace', 'backtrace', 'debuginfo', 'sqlstate', 'exceptiontrace', 'tracestack']);
/** Names that mean a trace only when they hold text: `stack` is also a technology stack, `trace` a trace object, `debug` a flag. */
const DEBUG_TEXT_FIELDS = new Set(['stack', 'trace', 'exception', 'debug', 'errortrace']);
const COMPONENT = /^\/(components\/schemas|definitions)\/[^/]+$/;
/** A named schema: a component, or in a file of its own, the whole file or one of its top-level entries. */
function isComponent(address: string): boolean {
  const { fileKey, pointer } = splitAddress(address);
  return COMPONENT.test(pointer) || (fileKey !== '' && /^(\/[^/]+)?$/.test(pointer));
}

export const dataRules: Rule[] = [
  {
    id: 'GH-DATA-001', title: 'Sensitive property in a response', severity: 'high', owasp: 'API3:2023',
    description: 'Responses that carry passwords, secrets, tokens, card numbers or SSNs expose them to every caller and every log.',
    fix: 'Remove the property from responses, mark it `writeOnly: true`, or return a masked form (last 4 digits).',
    visitSchema(s, emit) {
      const props = s.node.properties;
      if (s.role !== 'response' || !isObject(props)) return;
      for (const [name, p] of Object.entries(props)) {
        const match = sensitiveNameMatch(name);
        if (match === undefined) continue;
        const target = s.resolve(p);
        if (target?.writeOnly === true || (isObject(p) && p.writeOnly === true)) continue;
        // The name says secret; the schema must agree: a boolean, an enum of permissions, an object or
        // a list of objects holds no secret value (`secret_scanning_enabled`, `dependabot_secrets: read|write`).
        const shape = valueShape(p, s.resolve);
        if (shape === 'other') continue;
        const where = child(s.pointer, 'properties', name);
        if (shape === 'text') emit(where, `response property \`${name}\` is a string named like a secret`, { confidence: match === 'exact' ? 'high' : 'medium' });
        // No type to go by: the name alone is weaker evidence, so the finding weighs less.
        else emit(where, `response property \`${name}\` is named like a secret (${shape === 'list' ? 'a list' : 'no type given'})`, { confidence: 'low', severity: 'medium' });
      }
    },
  },
  {
    id: 'GH-DATA-002', title: 'Response object explicitly open', severity: 'low', owasp: 'API3:2023',
    description: '`additionalProperties: true` on a response lets the service return any internal field without the contract noticing.',
    fix: 'Remove `additionalProperties: true` (or set it to false) so undeclared fields can be stripped.',
    visitSchema(s, emit) {
      if (s.role === 'response' && s.node.additionalProperties === true && isObject(s.node.properties)) emit(child(s.pointer, 'additionalProperties'), 'response object allows undeclared properties');
    },
  },
  {
    id: 'GH-DATA-003', title: 'One schema for request and response with read-only or sensitive fields', severity: 'medium', owasp: 'API3:2023',
    description: 'Sharing a model between input and output invites mass assignment of read-only fields (id, role, balance) and leaks of sensitive ones.',
    fix: 'Split the schema into a request model (writable fields only) and a response model (no secrets).',
    check(ctx, emit) {
      for (const ptr of ctx.requestSchemas) {
        if (!isComponent(ptr) || !ctx.responseSchemas.has(ptr)) continue;
        const node = ctx.raw.get(ptr);
        if (!isObject(node) || !isObject(node.properties)) continue;
        const risky = Object.entries(node.properties).filter(([name, p]) => isSensitiveName(name) || (isObject(p) && p.readOnly === true)).map(([n]) => n);
        if (risky.length > 0) emit(ptr, `schema is used for requests and responses and has read-only or sensitive fields: ${risky.slice(0, 5).join(', ')}`);
      }
    },
  },
  {
    id: 'GH-DATA-004', title: 'Wildcard response content type', severity: 'low', owasp: 'API8:2023',
    description: 'A `*/*` response cannot be validated or filtered and lets browsers sniff content (XSS risk).',
    fix: 'Declare the exact media type the operation returns.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) for (const [code, r] of Object.entries(op.responses)) {
        if (Object.hasOwn(r.content, '*/*')) emit(ctx.spec.version === '2.0' ? op.pointer : child(r.pointer, 'content', '*/*'), `${op.method} ${op.path} response ${code} has content type */*`);
      }
    },
  },
  {
    id: 'GH-DATA-005', title: 'Personal data in the query string', severity: 'high', owasp: 'API3:2023',
    description: 'Passwords, card numbers, SSNs, e-mail addresses or phone numbers in URLs are written to logs, caches and Referer headers.',
    fix: 'Move the value into the request body (POST) or a header.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) for (const p of op.parameters) {
        if (p.in !== 'query' || !PII_QUERY.has(normName(p.name))) continue;
        // `email=true` (send me an e-mail) or an enum is a switch, not the address itself.
        const sch = p.schema;
        if (sch !== undefined && (sch.enum !== undefined || sch.type === 'boolean' || (sch.type === 'integer' && normName(p.name) !== 'ssn'))) continue;
        emit(ctx.raw.placeOf(p), `query parameter \`${p.name}\` carries personal data`);
      }
    },
  },
  {
    id: 'GH-DATA-006', title: 'Debug details in responses', severity: 'medium', owasp: 'API8:2023',
    description: 'Response fields such as `stackTrace` or `exception` expose internals that help attackers.',
    fix: 'Return RFC 9457 problem details without stack traces; log the internals server-side.',
    visitSchema(s, emit) {
      const props = s.node.properties;
      if (s.role !== 'response' || !isObject(props)) return;
      for (const [name, p] of Object.entries(props)) {
        const n = normName(name);
        if (DEBUG_FIELDS.has(n)) {
          if (s.resolve(p)?.type !== 'boolean') emit(child(s.pointer, 'properties', name), `response property \`${name}\` exposes debug details`);
        } else if (DEBUG_TEXT_FIELDS.has(n)) {
          const shape = valueShape(p, s.resolve);
          if (shape === 'text' || shape === 'list') emit(child(s.pointer, 'properties', name), `response property \`${name}\` is text that may carry a stack trace`, { confidence: 'medium' });
        }
      }
    },
  },
];
