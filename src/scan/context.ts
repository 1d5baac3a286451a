/**
 * What every check is given: the selected operations, the HTTP client, identities, validators,
 * the finding sink, coverage and the objects seen so far. Helpers here build and send one
 * operation's request so checks stay about what they test.
 */
import fc from 'fast-check';
import type { LoadedSpec, Operation, OperationValidators } from '../openapi/index.js';
import type { Coverage, FindingSink } from './findings.js';
import type { HttpClient } from './http.js';
import { asIdentity, buildRequest, validValues, type RequestValues } from './request.js';
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

/** Fills path parameters with ids of objects the scan has seen, so requests hit real objects. */
export function withKnownIds(ctx: ScanContext, op: Operation, values: RequestValues, owner?: string): RequestValues {
  const resource = ctx.resources.find((r) => op.path.startsWith(`${r.collection}/{${r.param}}`));
  if (resource === undefined) return values;
  const known = ctx.objects.of(resource.collection, owner)[0];
  return known === undefined ? values : { ...values, path: { ...values.path, [resource.param]: known.id } };
}

/** Valid inputs for an operation: a known-good request if one succeeded, else a fresh sample. */
export function goodValues(ctx: ScanContext, op: Operation, owner?: string): RequestValues {
  const ok = ctx.successes.get(op.id);
  if (ok !== undefined) return ok.values;
  return withKnownIds(ctx, op, sampleValues(ctx, op)[0] as RequestValues, owner);
}

export interface Sent { readonly request: ScanRequest; readonly response: ScanResponse }

export async function sendOp(
  ctx: ScanContext, op: Operation, values: RequestValues, identity: Identity | undefined,
  extra: { rawQuery?: string; rawBody?: string; headers?: Record<string, string>; timeoutMs?: number; unpaced?: boolean } = {},
): Promise<Sent> {
  let request = asIdentity(buildRequest(op, values, ctx.basePath, extra), identity);
  if (extra.headers !== undefined) request = { ...request, headers: { ...request.headers, ...extra.headers } };
  const response = await ctx.client.send(request, op.id, {
    ...(extra.timeoutMs === undefined ? {} : { timeoutMs: extra.timeoutMs }), ...(extra.unpaced === undefined ? {} : { unpaced: extra.unpaced }),
  });
  if (response.status >= 200 && response.status < 300) {
    if (!ctx.successes.has(op.id)) ctx.successes.set(op.id, { values, request, response });
    rememberObjects(ctx, op, response, identity?.name, values);
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
