/**
 * Invalid inputs derived from an operation's schemas: a required value missing, a value of the
 * wrong type, out of range, overlong, a Unicode edge case, a malformed body. Each mutation
 * breaks exactly one thing in an otherwise valid request, so a failure names its cause.
 */
import type { Operation, SchemaObject } from '../openapi/index.js';
import { mergeAllOf, numericBounds, typesOf } from './arbitrary.js';
import { bodySchema, generatedParameters, preferredMediaType, type RequestValues } from './request.js';

export interface Mutation {
  readonly label: string;
  /** `unicode` is the Unicode sample the run drew, used by Unicode mutations. */
  apply(values: RequestValues, unicode: string): RequestValues;
}

/** Strings that break naive handling: NUL, lone surrogates, RTL override, combining marks, emoji sequences. */
export const UNICODE_EDGES = [
  '\u0000', '\ud800', '\udfff', '\u202e', 'e\u0301\u0301\u0301', '\ufeff', '\uffff', '👩‍👩‍👧‍👦', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'İı', '\u2028', '%00', '../',
];

type Slot = 'path' | 'query' | 'header' | 'cookie';

function setIn(values: RequestValues, slot: Slot, name: string, value: unknown, note: string, invalid: boolean): RequestValues {
  return { ...values, [slot]: { ...values[slot], [name]: value }, note, invalid };
}

function dropIn(values: RequestValues, slot: Slot, name: string, note: string): RequestValues {
  const { [name]: _gone, ...rest } = values[slot];
  return { ...values, [slot]: rest, note, invalid: true };
}

function setBody(values: RequestValues, name: string, value: unknown, note: string, media: string | undefined, invalid: boolean): RequestValues {
  const base = values.body !== null && typeof values.body === 'object' && !Array.isArray(values.body) ? values.body as Record<string, unknown> : {};
  return { ...values, body: { ...base, [name]: value }, mediaType: values.mediaType ?? media, note, invalid };
}

function normalised(schema: SchemaObject | undefined): SchemaObject {
  if (schema === undefined) return {};
  return Array.isArray(schema.allOf) ? mergeAllOf(schema) : schema;
}

/** Values for one schema that it does not allow, each with a label. */
function badValues(schema: SchemaObject, inUrl: boolean): { label: string; value: (u: string) => unknown; invalid?: false }[] {
  const out: { label: string; value: (u: string) => unknown; invalid?: false }[] = [];
  const types = typesOf(schema);
  const t = types.find((x) => x !== 'null');
  if (Array.isArray(schema.enum)) out.push({ label: 'a value outside its enum', value: () => 'gh-not-in-enum' });
  if (t === 'integer' || t === 'number') {
    out.push({ label: 'a non-numeric value', value: () => 'gh-nan' });
    const { min, max } = numericBounds(schema, t === 'integer');
    if (max !== undefined) out.push({ label: `a value above its maximum (${max})`, value: () => max + 1 });
    if (min !== undefined) out.push({ label: `a value below its minimum (${min})`, value: () => min - 1 });
    out.push({ label: 'a number beyond 2^53', value: () => (inUrl ? '9007199254740993' : 1e300) });
    if (t === 'integer') out.push({ label: 'a fractional value', value: () => 1.5 });
  } else if (t === 'boolean') {
    out.push({ label: 'a non-boolean value', value: () => 'gh-maybe' });
  } else if (t === 'string' || t === undefined) {
    const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
    const long = maxLength !== undefined ? maxLength + 1 : inUrl ? 4_000 : 100_000;
    if (long <= 200_000) out.push({ label: `an overlong string (${long} characters)`, value: () => 'A'.repeat(long) });
    // Unusual but allowed by the schema: a failure is a finding, acceptance is not a warning.
    out.push({ label: 'a Unicode edge case', value: (u) => u, invalid: false });
    if (!inUrl) out.push({ label: 'a number instead of a string', value: () => 12345 });
    if (typeof schema.format === 'string') out.push({ label: `a value that is not a valid ${schema.format}`, value: () => 'gh-not-a-valid-value' });
  } else if (t === 'array' && !inUrl) {
    out.push({ label: 'an object instead of an array', value: () => ({ gh: 1 }) });
  } else if (t === 'object' && !inUrl) {
    out.push({ label: 'a string instead of an object', value: () => 'gh-not-an-object' });
  }
  if (!inUrl && schema.nullable !== true && !types.includes('null')) out.push({ label: 'null', value: () => null });
  return out;
}

export function mutationsFor(op: Operation): Mutation[] {
  const out: Mutation[] = [];
  for (const p of generatedParameters(op)) {
    const slot = p.in;
    if (p.required && slot !== 'path') out.push({ label: `${slot} parameter "${p.name}" missing (required)`, apply: (v) => dropIn(v, slot, p.name, `${slot} parameter "${p.name}" left out`) });
    for (const bad of badValues(normalised(p.schema), true)) {
      const note = `${slot} parameter "${p.name}" set to ${bad.label}`;
      out.push({ label: note, apply: (v, u) => setIn(v, slot, p.name, bad.value(u), note, bad.invalid ?? true) });
    }
  }
  const media = preferredMediaType(op);
  if (media === undefined) return out;
  const schema = normalised(bodySchema(op));
  if (op.requestBody?.required === true) out.push({ label: 'body missing (required)', apply: (v) => ({ ...v, body: undefined, mediaType: undefined, note: 'required body left out', invalid: true }) });
  if (/json/i.test(media)) {
    out.push({ label: 'malformed JSON body', apply: (v) => ({ ...v, mediaType: media, rawBody: '{"gh": ', note: 'body is truncated JSON', invalid: true }) });
    out.push({ label: 'body is an array', apply: (v) => ({ ...v, mediaType: media, body: [], note: 'body is [] instead of an object', invalid: true }) });
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required as string[] : []);
  for (const [name, raw] of Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>).slice(0, 30)) {
    const ps = normalised(raw);
    if (ps.readOnly === true) continue;
    if (required.has(name)) {
      out.push({
        label: `body property "${name}" missing (required)`,
        apply: (v) => {
          const { [name]: _gone, ...rest } = (v.body ?? {}) as Record<string, unknown>;
          return { ...v, body: rest, mediaType: v.mediaType ?? media, note: `required body property "${name}" left out`, invalid: true };
        },
      });
    }
    for (const bad of badValues(ps, false)) {
      const note = `body property "${name}" set to ${bad.label}`;
      out.push({ label: note, apply: (v, u) => setBody(v, name, bad.value(u), note, media, bad.invalid ?? true) });
    }
  }
  return out;
}
