/**
 * What every check is given: the selected operations, the HTTP client, identities, validators,
 * the finding sink, coverage and the objects seen so far. Helpers here build and send one
 * operation's request so checks stay about what they test.
 */
import fc from 'fast-check';
import type { LoadedSpec, Operation, OperationValidators } from '../openapi/index.js';
import type { Coverage, FindingSink } from './findings.js';
import type { HttpClient } from './http.js';
import type { KnownValues } from './known.js';
import { asIdentity, buildRequest, validValues, type BuildExtra, type RequestValues } from './request.js';
import { withExamples } from './values.js';
import { idOf, itemsOf, ObjectStore, type Resource } from './resources.js';
import type { Identity, ScanRequest, ScanResponse } from './types.js';

export interface ScanTuning {
  /** fast-check runs per operation for valid and for invalid inputs. */
  readonly fuzzRuns: number;
  /** Seconds the time-based injection payloads ask the target to sleep. */
  readonly delaySeconds: number;
  /** Requests in the rate-limit burst. */
  readonly burst: number;
  /** Send DELETE requests (stateful chain) and mutating attacks. */
  readonly destructive: boolean;
}

export interface ScanContext {
  readonly spec: LoadedSpec;
  readonly operations: readonly Operation[];
  readonly resources: readonly Resource[];
  readonly basePath: string;
  readonly client: HttpClient;
  readonly identities: readonly Identity[];
  /** The identity most checks act as (the first given), undefined for an unauthenticated scan. */
  readonly primary: Identity | undefined;
  readonly seed: number;
  readonly tuning: ScanTuning;
  readonly findings: FindingSink;
  readonly coverage: Coverage;
  readonly objects: ObjectStore;
  /** Requests known to have succeeded (2xx) per operation, first one kept. */
  readonly successes: Map<string, { values: RequestValues; request: ScanRequest; response: ScanResponse }>;
  /** The same, per operation and identity (`opId\u0000name`). */
  readonly ownSuccesses: Map<string, RequestValues>;
  /** User values, link values, identity profiles, values seen in answers. */
  readonly known: KnownValues;
  /** The component name of a schema, for XML root elements. */
  readonly schemaName?: BuildExtra['schemaName'];
  validators(op: Operation): OperationValidators | undefined;
  note(message: string): void;
  phase(label: string): void;
}

export function isSecured(op: Operation): boolean {
  return op.security.length > 0 && !op.security.some((req) => Object.keys(req).length === 0);
}

/** Deterministic valid inputs for an operation: the n-th sample of its arbitrary under the scan seed. */
export function sampleValues(ctx: ScanContext, op: Operation, n = 1, salt = 0): RequestValues[] {
  return fc.sample(validValues(op), { seed: ctx.seed + salt, numRuns: n });
}

/**
 * Fills inputs with values that reach real objects: ids of objects the scan has seen (by
 * collection), values links and earlier answers gave, the identity's own ids, and the user's
 * `--param`s, which always win. Fuzzing builds on this and varies everything else.
 */
export function withKnownIds(ctx: ScanContext, op: Operation, values: RequestValues, owner?: string): RequestValues {
  let out = values;
  const resource = ctx.resources.find((r) => op.path.startsWith(`${r.collection}/{${r.param}}`));
  const known = resource === undefined ? undefined : ctx.objects.of(resource.collection, owner)[0] ?? (owner === undefined ? undefined : ctx.objects.of(resource.collection)[0]);
  if (resource !== undefined && known !== undefined) out = { ...out, path: { ...out.path, [resource.param]: known.id } };
  out = ctx.known.seenValues(op, out, owner);
  out = ctx.known.ownValues(op, out, owner);
  return ctx.known.userValues(op, out);
}

/**
 * Valid inputs for an operation: a request that already succeeded for this identity, else one
 * that succeeded for another (its identity-specific inputs replaced), else the spec's examples
 * over a fresh sample, filled with known ids (see withKnownIds).
 */
export function goodValues(ctx: ScanContext, op: Operation, owner?: string): RequestValues {
  const own = ctx.ownSuccesses.get(`${op.id}\u0000${owner ?? ''}`);
  if (own !== undefined) return own;
  const other = ctx.successes.get(op.id);
  if (other !== undefined) return ctx.known.userValues(op, ctx.known.ownValues(op, other.values, owner));
  return withKnownIds(ctx, op, withExamples(op, sampleValues(ctx, op)[0] as RequestValues), owner);
}

export interface Sent { readonly request: ScanRequest; readonly response: ScanResponse }

export async function sendOp(
  ctx: ScanContext, op: Operation, values: RequestValues, identity: Identity | undefined,
  extra: { rawQuery?: string; rawBody?: string; headers?: Record<string, string>; timeoutMs?: number; unpaced?: boolean } = {},
): Promise<Sent> {
  let request = asIdentity(buildRequest(op, values, ctx.basePath, { ...extra, schemaName: ctx.schemaName }), identity);
  if (extra.headers !== undefined) request = { ...request, headers: { ...request.headers, ...extra.headers } };
  const response = await ctx.client.send(request, op.id, {
    ...(extra.timeoutMs === undefined ? {} : { timeoutMs: extra.timeoutMs }), ...(extra.unpaced === undefined ? {} : { unpaced: extra.unpaced }),
  });
  if (response.status >= 200 && response.status < 300) {
    // Only inputs the spec would call valid become the base of later requests, not attacks.
    const plain = values.invalid !== true && values.note === undefined && values.attack === undefined && values.rawBody === undefined && extra.rawBody === undefined && extra.rawQuery === undefined && extra.headers === undefined;
    if (plain && !ctx.successes.has(op.id)) ctx.successes.set(op.id, { values, request, response });
    const key = `${op.id}\u0000${identity?.name ?? ''}`;
    if (plain && !ctx.ownSuccesses.has(key)) ctx.ownSuccesses.set(key, values);
    rememberObjects(ctx, op, response, identity?.name, values);
    ctx.known.observe(op, values, response, identity?.name);
  }
  return { request, response };
}

/** Records objects a create or list response shows, with who saw them. */
function rememberObjects(ctx: ScanContext, op: Operation, response: ScanResponse, owner: string | undefined, values: RequestValues): void {
  for (const r of ctx.resources) {
    if (op === r.create) {
      // Services that answer a create with a message only: the id is what the client chose.
      const sentId = values.body !== null && typeof values.body === 'object' ? (values.body as Record<string, unknown>)[r.param] : undefined;
      const id = idOf(response.json, r.param) ?? (typeof sentId === 'string' || typeof sentId === 'number' ? sentId : undefined);
      if (id !== undefined) ctx.objects.add(r.collection, { owner, id, value: response.json, created: true });
    } else if (op === r.list) {
      for (const item of itemsOf(response.json).slice(0, 20)) {
        const id = idOf(item, r.param);
        if (id !== undefined) ctx.objects.add(r.collection, { owner, id, value: item, created: false });
      }
    } else if (op === r.read && values.path[r.param] !== undefined) {
      ctx.objects.add(r.collection, { owner, id: values.path[r.param] as string | number, value: response.json, created: false });
    }
  }
}
