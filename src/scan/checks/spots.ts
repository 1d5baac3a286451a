/**
 * Where the newer checks put attack values (the shared `inputSpots`: parameters and top-level
 * properties of JSON, form, multipart and XML bodies, each marked as an attack), and a helper to
 * match input names by their words.
 */
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { inputSpots, isStringy, type InputSpot } from './inputs.js';

export type SpotFilter = (name: string, schema: SchemaObject) => boolean;

export function allSpots(op: Operation, filter: SpotFilter = (_n, s) => isStringy(s)): InputSpot[] {
  return inputSpots(op, filter);
}

/** Splits camelCase and snake_case so name tests match words (`returnUrl` -> `return url`). */
export function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_\-.[\]]+/g, ' ').toLowerCase();
}
