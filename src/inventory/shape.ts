import { classifyValue, isSensitiveName } from '../detect/sensitive/classify.js';

/**
 * The shape of a JSON body: field paths and their JSON types, and which fields carry sensitive
 * data by category. Values are looked at to classify them and then forgotten: nothing here
 * keeps, returns or logs a value. The walk is capped (fields, depth, array items) so a huge body
 * costs a bounded amount of time on the request path.
 */
export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/** Categories from value shape (src/detect/sensitive) plus those only a field name reveals. */
export type SensitiveKind = 'email' | 'card' | 'phone' | 'ssn' | 'iban' | 'token' | 'secret' | 'ipv4' | 'address' | 'national-id' | 'birthdate';

export interface BodyShape {
  /** Path -> type; `owner.email`, `items[].id`, `[]` for a root array's items. */
  readonly fields: Record<string, FieldType>;
  /** Path -> category of the data seen in that field. */
  readonly sensitive: Record<string, SensitiveKind>;
  /** True when the caps stopped the walk before the end. */
  readonly truncated: boolean;
}

export interface ShapeLimits {
  readonly maxFields: number;
  readonly maxDepth: number;
  /** Array items looked at per array: items of one array usually share a shape. */
  readonly arrayItems: number;
}

export const DEFAULT_SHAPE_LIMITS: ShapeLimits = { maxFields: 200, maxDepth: 8, arrayItems: 3 };

const ADDRESS_NAMES = new Set(['address', 'street', 'streetaddress', 'addressline1', 'addressline2', 'postcode', 'postalcode', 'zip', 'zipcode']);
const NATIONAL_ID_NAMES = new Set(['nationalid', 'passport', 'passportnumber', 'taxid', 'nino', 'personalnumber', 'idnumber']);
const BIRTH_NAMES = new Set(['dob', 'birthdate', 'dateofbirth', 'birthday']);

/**
 * Field names repeat across requests; their verdicts are memoised (bounded: a body with
 * attacker-chosen keys cannot grow it without limit).
 */
const nameVerdicts = new Map<string, SensitiveKind | null>();
const MAX_MEMO = 10_000;

/** The category a field name alone reveals, if any. */
export function categoryOfName(name: string): SensitiveKind | undefined {
  const known = nameVerdicts.get(name);
  if (known !== undefined) return known ?? undefined;
  const verdict = nameCategory(name);
  if (nameVerdicts.size < MAX_MEMO) nameVerdicts.set(name, verdict ?? null);
  return verdict;
}

function nameCategory(name: string): SensitiveKind | undefined {
  const compact = name.toLowerCase().replace(/[-_]/g, '');
  if (ADDRESS_NAMES.has(compact)) return 'address';
  if (NATIONAL_ID_NAMES.has(compact) || compact === 'ssn') return compact === 'ssn' ? 'ssn' : 'national-id';
  if (BIRTH_NAMES.has(compact)) return 'birthdate';
  if (isSensitiveName(name)) return compact.includes('token') ? 'token' : 'secret';
  return undefined;
}

/** The category of a string value, mapped onto the inventory's names. */
export function categoryOfValue(value: string): SensitiveKind | undefined {
  // Prose is the common long string and never one of the categories: every category that may
  // contain spaces (card, phone, IBAN in groups) is short, except a PEM key, which is kept.
  if (value.length > 40 && value.includes(' ') && !value.startsWith('-----BEGIN')) return undefined;
  const c = classifyValue(value);
  if (c === undefined) return undefined;
  return c === 'jwt' ? 'token' : c;
}

export function walkShape(value: unknown, limits: ShapeLimits = DEFAULT_SHAPE_LIMITS): BodyShape {
  const fields: Record<string, FieldType> = {};
  const sensitive: Record<string, SensitiveKind> = {};
  let budget = limits.maxFields;
  let truncated = false;

  const visit = (v: unknown, path: string, name: string, depth: number): void => {
    if (budget <= 0 || depth > limits.maxDepth) { truncated = true; return; }
    budget--;
    const type = typeOf(v);
    if (path !== '') fields[path] = merge(fields[path], type);
    const byName = name === '' ? undefined : categoryOfName(name);
    if (byName !== undefined && type !== 'object' && type !== 'array') sensitive[path] = byName;
    else if (type === 'string') {
      const byValue = categoryOfValue(v as string);
      if (byValue !== undefined) sensitive[path] = byValue;
    }
    if (type === 'array') {
      const items = v as unknown[];
      const n = Math.min(items.length, limits.arrayItems);
      if (items.length > n) truncated = true;
      for (let i = 0; i < n; i++) visit(items[i], `${path}[]`, name, depth + 1);
    } else if (type === 'object') {
      for (const key of Object.keys(v as object)) {
        if (budget <= 0) { truncated = true; return; }
        visit((v as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`, key, depth + 1);
      }
    }
  };
  visit(value, '', '', 0);
  return { fields, sensitive, truncated };
}

function typeOf(v: unknown): FieldType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'boolean';
    case 'number': return Number.isInteger(v) ? 'integer' : 'number';
    case 'object': return 'object';
    default: return 'string';
  }
}

/** Two sightings of one field: integer and number widen to number; null never hides a real type. */
export function merge(a: FieldType | undefined, b: FieldType): FieldType {
  if (a === undefined || a === b || a === 'null') return b;
  if (b === 'null') return a;
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number';
  return a;
}
