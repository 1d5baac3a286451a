/**
 * Size and shape limits on every value, both ways: what the API accepts (resource exhaustion,
 * API4) and what it returns (clients that trust an unbounded answer, API4 and API10).
 */
import { isObject } from '../raw.js';
import { typesOf } from '../schema-walk.js';
import type { Rule } from '../types.js';

/** Formats whose values have a bounded length by definition. */
const BOUNDED_FORMATS = new Set(['date', 'date-time', 'time', 'uuid', 'ipv4', 'ipv6', 'email', 'int32', 'int64', 'byte', 'duration']);
const BINARY_FORMATS = new Set(['binary', 'base64']);
const INTEGER_FORMATS = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

export const limitRules: Rule[] = [
  {
    id: 'GH-INPUT-010', title: 'Open map without maxProperties', severity: 'medium', owasp: 'API4:2023',
    description: 'A map (`additionalProperties` with a schema, or an object that declares no property) takes any number of keys: one request can carry millions of entries.',
    fix: 'Add `maxProperties` to every schema whose `additionalProperties` (or 3.1 `unevaluatedProperties`) is a schema.',
    visitSchema(s, emit) {
      const n = s.node;
      // A schema-valued map, or a request object that declares no property at all (`metadata: { type: object }`).
      const freeForm = s.role === 'request' && typesOf(n).includes('object') && !isObject(n.properties) && n.additionalProperties !== false && n.unevaluatedProperties !== false
        && n.allOf === undefined && n.oneOf === undefined && n.anyOf === undefined;
      const open = isObject(n.additionalProperties) || isObject(n.unevaluatedProperties) || isObject(n.patternProperties) || freeForm;
      if (!open || n.maxProperties !== undefined) return;
      // An open map in a response is the service's own output: worth a note, not a gate.
      emit(s.pointer, `${s.role === 'request' ? 'request' : 'response'} map has no maxProperties`, s.role === 'response' ? { severity: 'low' } : undefined);
    },
  },
  {
    id: 'GH-INPUT-011', title: 'Integer without format', severity: 'low', owasp: 'API4:2023',
    description: 'Without `int32` / `int64` the width of an integer is left to each implementation: overflow and truncation differ between client, gateway and service.',
    fix: 'Give every integer a `format` (`int32` or `int64`).',
    visitSchema(s, emit) {
      const n = s.node;
      if (!typesOf(n).includes('integer') || n.enum !== undefined || n.const !== undefined) return;
      if (typeof n.format !== 'string' || !INTEGER_FORMATS.has(n.format)) emit(s.pointer, 'integer has no int32/int64 format');
    },
  },
  {
    id: 'GH-RESP-006', title: 'Response array without maxItems', severity: 'low', owasp: 'API4:2023',
    description: 'A response list with no upper bound means no pagination: one call can make the service read and send the whole table.',
    fix: 'Paginate and give response arrays a `maxItems` equal to the largest page.',
    visitSchema(s, emit) {
      if (s.role === 'response' && typesOf(s.node).includes('array') && s.node.maxItems === undefined) emit(s.pointer, 'response array has no maxItems');
    },
  },
  {
    id: 'GH-RESP-007', title: 'Response string without maxLength', severity: 'low', owasp: 'API4:2023',
    description: 'Clients that store or render an unbounded response string can be exhausted by it (OWASP API10: unsafe consumption).',
    fix: 'Give response strings a `maxLength`, an `enum` or `const`, or a bounded `format` (uuid, date-time).',
    visitSchema(s, emit) {
      const n = s.node;
      if (s.role !== 'response' || !typesOf(n).includes('string') || n.maxLength !== undefined || n.enum !== undefined || n.const !== undefined) return;
      if (typeof n.format === 'string' && (BOUNDED_FORMATS.has(n.format) || BINARY_FORMATS.has(n.format))) return;
      if (n.contentMediaType !== undefined || n.contentEncoding !== undefined) return;
      emit(s.pointer, 'response string has no maxLength');
    },
  },
  {
    id: 'GH-RESP-008', title: 'Response integer without bounds', severity: 'low', owasp: 'API4:2023',
    description: 'An integer the contract does not bound can overflow a client\'s type or be used to size its buffers.',
    fix: 'Give response integers `minimum` and `maximum`.',
    visitSchema(s, emit) {
      const n = s.node;
      if (s.role !== 'response' || !typesOf(n).includes('integer') || n.enum !== undefined || n.const !== undefined) return;
      const min = n.minimum !== undefined || typeof n.exclusiveMinimum === 'number';
      const max = n.maximum !== undefined || typeof n.exclusiveMaximum === 'number';
      if (!min || !max) emit(s.pointer, `response integer has no ${!min && !max ? 'minimum or maximum' : !min ? 'minimum' : 'maximum'}`);
    },
  },
];

