/**
 * Every place a string attack value can go, for the newer checks: the shared `inputSpots`
 * (parameters and JSON body properties) plus top-level properties of form, multipart and XML
 * bodies, which the shared helper leaves out.
 */
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { preferredMediaType, type RequestValues } from '../request.js';
import { bodyProperties, isBinary } from './encode.js';
import { inputSpots, isStringy, type InputSpot } from './inputs.js';

export type SpotFilter = (name: string, schema: SchemaObject) => boolean;

const anyString: SpotFilter = (_n, s) => isStringy(s);

export function allSpots(op: Operation, filter: SpotFilter = anyString): InputSpot[] {
  const out = inputSpots(op, filter);
  const media = preferredMediaType(op);
  if (media === undefined || /json/i.test(media)) return out;
  const seen = new Set(out.map((s) => `${s.where}:${s.name}`));
  for (const [name, ps] of Object.entries(bodyProperties(op, media))) {
    if (typeof ps !== 'object' || ps === null || ps.readOnly === true || isBinary(ps) || !filter(name, ps) || seen.has(`body:${name}`)) continue;
    out.push({
      where: 'body', name, schema: ps,
      set: (v: RequestValues, value: unknown): RequestValues => {
        const body = v.body !== null && typeof v.body === 'object' && !Array.isArray(v.body) ? v.body as Record<string, unknown> : {};
        return { ...v, body: { ...body, [name]: value }, mediaType: v.mediaType ?? media };
      },
    });
  }
  return out;
}

/** Splits camelCase and snake_case so name tests match words (`returnUrl` -> `return url`). */
export function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_\-.[\]]+/g, ' ').toLowerCase();
}
