import type { ApiConfig } from '../config/types.js';
import type { LoadedSpec, Operation } from '../openapi/types.js';
import type { InventoryRow } from './aggregate.js';
import { declaredFields, declaresStatus, isDeclared, prefixes, requestSchema, responseSchema } from './declared.js';
import type { FieldType, SensitiveKind } from './shape.js';
import { VersionRule } from './versions.js';

/** Declared vs observed, per operation, and everything that differs. */
export interface InventoryReport {
  readonly generatedAt: string;
  readonly apis: readonly { name: string; title: string; version: string; owner: string | undefined; direction: 'ingress' | 'egress'; operations: number }[];
  readonly operations: readonly OperationEntry[];
  readonly shadow: readonly ShadowEntry[];
  readonly zombie: readonly ZombieEntry[];
  readonly unused: readonly OperationEntry[];
  readonly drift: readonly DriftEntry[];
  readonly sensitive: readonly SensitiveEntry[];
  readonly unowned: readonly OperationEntry[];
}

export interface OperationEntry {
  api: string;
  method: string;
  path: string;
  operation: string;
  owner: string | undefined;
  deprecated: boolean;
  count: number;
  errors: number;
  firstSeen: string | undefined;
  lastSeen: string | undefined;
  identities: Record<string, number>;
}

/**
 * An operation still called although it is deprecated or an older version of an API. `declared:
 * false` is traffic to an older version that no spec describes any more (`/v1/users/42` while
 * the spec declares `/v2/users`): `operation` is then undefined and `path` the inferred template.
 */
export interface ZombieEntry extends Omit<OperationEntry, 'operation'> {
  operation: string | undefined;
  reason: 'deprecated' | 'older-version';
  declared: boolean;
}

export interface ShadowEntry {
  api: string;
  method: string;
  path: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  callers: string[];
  source: string;
}

export interface DriftEntry {
  api: string;
  operation: string;
  location: 'request' | 'response';
  status: string | undefined;
  field: string;
  type: FieldType;
}

export interface SensitiveEntry {
  api: string;
  method: string;
  path: string;
  operation: string | undefined;
  location: 'request' | 'response';
  field: string;
  category: SensitiveKind;
}

export interface InventoryInput {
  readonly apis: readonly { readonly config: Pick<ApiConfig, 'name' | 'owner' | 'basePath'> & { readonly direction?: ApiConfig['direction'] }; readonly spec: LoadedSpec }[];
  readonly rows: readonly InventoryRow[];
  readonly now?: Date;
}

export function buildInventory(input: InventoryInput): InventoryReport {
  const versions = new VersionRule(input.apis);
  const owners = new Map(input.apis.map((a) => [a.config.name, a.config.owner]));
  const zombie: ZombieEntry[] = [];
  const byOperation = new Map<string, InventoryRow>();
  const shadow: ShadowEntry[] = [];
  const sensitive: SensitiveEntry[] = [];
  const known = new Set(input.apis.map((a) => a.config.name));
  for (const row of input.rows) {
    for (const [where, category] of Object.entries(row.sensitive)) {
      const dot = where.indexOf('.');
      sensitive.push({ api: row.api, method: row.method, path: row.path, operation: row.operation, location: where.slice(0, dot) as 'request' | 'response', field: where.slice(dot + 1), category });
    }
    if (row.operation !== undefined && !row.unmatched && known.has(row.api)) {
      byOperation.set(`${row.api} ${row.operation}`, row);
      continue;
    }
    if (versions.isOlderPath(row.path)) {
      zombie.push({
        api: row.api, method: row.method, path: row.path, operation: undefined, owner: owners.get(row.api), deprecated: false,
        count: row.count, errors: errorsOf(row), firstSeen: iso(row.firstSeen), lastSeen: iso(row.lastSeen), identities: row.identities,
        reason: 'older-version', declared: false,
      });
      continue;
    }
    shadow.push({ api: row.api, method: row.method, path: row.path, count: row.count, firstSeen: iso(row.firstSeen), lastSeen: iso(row.lastSeen), callers: row.callers, source: row.source });
  }

  const operations: OperationEntry[] = [];
  const unused: OperationEntry[] = [];
  const unowned: OperationEntry[] = [];
  const drift: DriftEntry[] = [];
  for (const { config, spec } of input.apis) {
    const specOwner = ownerOf(spec.raw) ?? ownerOf((spec.raw.info ?? {}) as Record<string, unknown>);
    for (const op of spec.operations) {
      const row = byOperation.get(`${config.name} ${op.id}`);
      const entry = operationEntry(config.name, op, ownerOf(op.extensions) ?? config.owner ?? specOwner, row);
      operations.push(entry);
      if (entry.owner === undefined) unowned.push(entry);
      if (row === undefined) { unused.push(entry); continue; }
      if (op.deprecated) zombie.push({ ...entry, reason: 'deprecated', declared: true });
      else if (versions.isOlderOperation(config.name, op.id)) {
        zombie.push({ ...entry, reason: 'older-version', declared: true });
      }
      drift.push(...driftOf(config.name, op, row));
    }
  }
  shadow.sort((a, b) => b.count - a.count);
  return {
    generatedAt: (input.now ?? new Date()).toISOString(),
    apis: input.apis.map(({ config, spec }) => ({ name: config.name, title: spec.title, version: spec.apiVersion, owner: config.owner, direction: config.direction ?? 'ingress', operations: spec.operations.length })),
    operations, shadow, zombie, unused, drift, sensitive, unowned,
  };
}

function operationEntry(api: string, op: Operation, owner: string | undefined, row: InventoryRow | undefined): OperationEntry {
  return {
    api, method: op.method, path: op.path, operation: op.id, owner, deprecated: op.deprecated,
    count: row?.count ?? 0,
    errors: row === undefined ? 0 : errorsOf(row),
    firstSeen: row === undefined ? undefined : iso(row.firstSeen),
    lastSeen: row === undefined ? undefined : iso(row.lastSeen),
    identities: row?.identities ?? {},
  };
}

/** Fields seen in traffic that the operation's schemas do not declare; only the top-most undeclared field of a subtree. */
function driftOf(api: string, op: Operation, row: InventoryRow): DriftEntry[] {
  const out: DriftEntry[] = [];
  const report = (fields: Record<string, FieldType>, declared: ReturnType<typeof declaredFields>, location: 'request' | 'response', status: string | undefined): void => {
    const undeclared = Object.keys(fields).filter((f) => !isDeclared(f, declared));
    const set = new Set(undeclared);
    for (const f of undeclared) {
      if (prefixes(f).some((p) => set.has(p))) continue;
      out.push({ api, operation: op.id, location, status, field: f, type: fields[f] as FieldType });
    }
  };
  if (Object.keys(row.requestFields).length > 0) report(row.requestFields, declaredFields(requestSchema(op)), 'request', undefined);
  for (const [status, fields] of Object.entries(row.responseFields)) {
    if (!declaresStatus(op, status)) continue;
    report(fields, declaredFields(responseSchema(op, status)), 'response', status);
  }
  return out;
}

function ownerOf(node: Readonly<Record<string, unknown>>): string | undefined {
  const v = node['x-owner'];
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string') return (v as { name: string }).name;
  return undefined;
}

function errorsOf(row: InventoryRow): number {
  return (row.statuses['4xx'] ?? 0) + (row.statuses['5xx'] ?? 0);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
