import type { FieldValue, RecordFilter } from '../ports.js';

/**
 * Shape of a record filter: which bounds are present and which fields of which type. Queries of
 * the same shape share one prepared statement; field names are already checked to be plain
 * identifiers (see check.ts), so they can be part of the SQL text.
 */
export function filterShape(f: RecordFilter | undefined): string {
  let shape = `${f?.since === undefined ? '' : 's'}${f?.until === undefined ? '' : 'u'}`;
  if (f?.where !== undefined) for (const k of Object.keys(f.where).sort()) shape += `|${k}:${typeof f.where[k]}`;
  return shape;
}

/** The where-values in the order filterShape listed their fields. */
export function whereValues(f: RecordFilter | undefined): FieldValue[] {
  if (f?.where === undefined) return [];
  const w = f.where;
  return Object.keys(w).sort().map((k) => w[k] as FieldValue);
}
