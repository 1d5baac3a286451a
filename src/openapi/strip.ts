import { isObject } from './pointer.js';

/**
 * Response data minimisation: removes object properties the declared schema does not declare.
 * Written by hand because no validator removes properties by *declaration* through unions
 * (Ajv's removeAdditional follows additionalProperties per branch, and inside anyOf/oneOf it
 * strips fields another branch declares). A plan per schema object is built once and cached.
 */
export interface Plan {
  readonly props: Map<string, object[]>;
  readonly patterns: { re: RegExp; schema: object }[];
  /** Schemas for undeclared properties (additionalProperties as a schema). */
  readonly additional: object[];
  /** Undeclared properties are kept: `additionalProperties: true`, or a free-form object. */
  readonly keepAll: boolean;
  readonly items: object[];
  readonly prefixItems: object[][];
  /** Declared names by their UTF-8 length, for matching raw bytes (strip-scan.ts). */
  readonly names: ReadonlyMap<number, readonly DeclaredName[]>;
}

export interface DeclaredName {
  readonly bytes: Buffer;
  readonly schemas: object[];
}

const plans = new WeakMap<object, Plan>();

function branchesOf(schema: object, into: Record<string, unknown>[], seen: Set<object>): void {
  if (seen.has(schema) || !isObject(schema)) return;
  seen.add(schema);
  into.push(schema);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const b of list) if (isObject(b)) branchesOf(b, into, seen);
  }
  for (const key of ['then', 'else'] as const) if (isObject(schema[key])) branchesOf(schema[key], into, seen);
}

function buildPlan(schemas: readonly object[]): Plan {
  const leaves: Record<string, unknown>[] = [];
  const seen = new Set<object>();
  for (const s of schemas) branchesOf(s, leaves, seen);
  const plan: Plan = { props: new Map(), patterns: [], additional: [], keepAll: false, items: [], prefixItems: [], names: new Map() };
  let keepAll = false;
  let declares = false;
  let closed = false;
  for (const leaf of leaves) {
    if (isObject(leaf.properties)) {
      for (const [name, p] of Object.entries(leaf.properties)) {
        declares = true;
        const list = plan.props.get(name) ?? [];
        if (isObject(p)) list.push(p);
        plan.props.set(name, list);
      }
    }
    if (isObject(leaf.patternProperties)) {
      declares = true;
      for (const [re, p] of Object.entries(leaf.patternProperties)) {
        try {
          if (isObject(p)) plan.patterns.push({ re: new RegExp(re), schema: p });
        } catch { /* an invalid pattern declares nothing */ }
      }
    }
    for (const key of ['additionalProperties', 'unevaluatedProperties'] as const) {
      const ap = leaf[key];
      if (ap === true) keepAll = true;
      else if (ap === false) closed = true;
      else if (isObject(ap)) plan.additional.push(ap);
    }
    if (Array.isArray(leaf.items)) plan.prefixItems.push(leaf.items.filter(isObject));
    else if (isObject(leaf.items)) plan.items.push(leaf.items);
    if (Array.isArray(leaf.prefixItems)) plan.prefixItems.push(leaf.prefixItems.filter(isObject));
  }
  const names = new Map<number, DeclaredName[]>();
  for (const [name, schemas] of plan.props) {
    const bytes = Buffer.from(name, 'utf8');
    const list = names.get(bytes.length) ?? [];
    list.push({ bytes, schemas });
    names.set(bytes.length, list);
  }
  // A schema that declares nothing about its properties is a free-form map: keep its contents.
  return { ...plan, names, keepAll: keepAll || (!declares && !closed && plan.additional.length === 0) };
}

export function planFor(schemas: readonly object[]): Plan {
  if (schemas.length === 1) {
    const only = schemas[0] as object;
    let plan = plans.get(only);
    if (plan === undefined) {
      plan = buildPlan(schemas);
      plans.set(only, plan);
    }
    return plan;
  }
  return buildPlan(schemas);
}

/** The schemas item `i` of an array answers to: its positional ones (prefixItems), else `items`. */
export function itemSchemas(plan: Plan, i: number): readonly object[] {
  const positional: object[] = [];
  for (const list of plan.prefixItems) {
    const s = list[i];
    if (s !== undefined) positional.push(s);
  }
  return positional.length > 0 ? positional : plan.items;
}

/** Removes undeclared properties from `value` in place; returns how many were removed. */
export function stripUndeclared(value: unknown, schema: object): number {
  return strip(value, [schema]);
}

function strip(value: unknown, schemas: readonly object[]): number {
  if (value === null || typeof value !== 'object' || schemas.length === 0) return 0;
  const plan = planFor(schemas);
  let removed = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // Scalars have nothing to strip: skip them before any per-item work.
      if (item === null || typeof item !== 'object') continue;
      removed += strip(item, plan.prefixItems.length === 0 ? plan.items : itemSchemas(plan, i));
    }
    return removed;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const declared = plan.props.get(key);
    if (declared !== undefined) {
      removed += strip(obj[key], declared);
      continue;
    }
    const matching = plan.patterns.filter((p) => p.re.test(key)).map((p) => p.schema);
    if (matching.length > 0) removed += strip(obj[key], matching);
    else if (plan.additional.length > 0) removed += strip(obj[key], plan.additional);
    else if (!plan.keepAll) {
      delete obj[key];
      removed++;
    }
  }
  return removed;
}
