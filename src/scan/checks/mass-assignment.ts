/**
 * Mass assignment (API3, object property level): a valid body plus properties the client must not
 * set — privilege flags the schema does not declare, and declared `readOnly` properties with
 * distinctive values. A 2xx whose response reflects one of them, or a later read showing it
 * persisted, is a finding — unless the same request without them already answered that value
 * (an identity that is an admin, a flag that is true by default).
 */
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { mergeAllOf, typesOf } from '../arbitrary.js';
import { goodValues, sendOp, type ScanContext } from '../context.js';
import { bodyFormat, bodySchema, preferredMediaType, type RequestValues } from '../request.js';
import { idOf } from '../resources.js';
import { OWASP } from '../types.js';

const PRIVILEGE_FLAGS: Record<string, unknown> = { isAdmin: true, admin: true, role: 'admin', roles: ['admin'], is_superuser: true, verified: true };

function readOnlyProbe(schema: SchemaObject): unknown {
  const t = typesOf(schema)[0];
  if (t === 'integer' || t === 'number') return 987_654_321;
  if (t === 'boolean') return true;
  if (t === 'string') return schema.format === 'date-time' ? '2001-02-03T04:05:06.000Z' : 'gh-mass-assign';
  return undefined;
}

/** The properties to smuggle in: undeclared privilege flags and declared readOnly properties. */
export function smuggled(schema: SchemaObject | undefined): Record<string, unknown> {
  const s = schema === undefined ? {} : Array.isArray(schema.allOf) ? mergeAllOf(schema) : schema;
  const props = (s.properties ?? {}) as Record<string, SchemaObject>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(PRIVILEGE_FLAGS)) if (!(k in props)) out[k] = v;
  for (const [k, ps] of Object.entries(props)) {
    if (ps.readOnly !== true) continue;
    const probe = readOnlyProbe(ps);
    if (probe !== undefined) out[k] = probe;
  }
  return out;
}

function reflected(json: unknown, extras: Record<string, unknown>): string[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return [];
  const o = json as Record<string, unknown>;
  return Object.entries(extras).filter(([k, v]) => JSON.stringify(o[k]) === JSON.stringify(v)).map(([k]) => k);
}

function candidates(ctx: ScanContext): Operation[] {
  return ctx.operations.filter((op) => ['POST', 'PUT', 'PATCH'].includes(op.method)
    && ['json', 'form', 'multipart', 'xml'].includes(bodyFormat(preferredMediaType(op) ?? '')) && typesOf(bodySchema(op) ?? {}).includes('object'));
}

export async function massAssignmentCheck(ctx: ScanContext): Promise<void> {
  for (const op of candidates(ctx)) {
    ctx.phase(`mass-assignment ${op.id}`);
    const extras = smuggled(bodySchema(op));
    const base = goodValues(ctx, op, ctx.primary?.name);
    const body = base.body !== null && typeof base.body === 'object' && !Array.isArray(base.body) ? base.body as Record<string, unknown> : {};
    // The control: what the same request answers without the extra properties.
    const control = await sendOp(ctx, op, { ...base, body, mediaType: base.mediaType ?? preferredMediaType(op) }, ctx.primary);
    const already = new Set(reflected(control.response.json, extras));
    const values: RequestValues = { ...base, body: { ...body, ...extras }, mediaType: preferredMediaType(op), attack: 'mass assignment' };
    const sent = await sendOp(ctx, op, values, ctx.primary);
    if (sent.response.status < 200 || sent.response.status >= 300) continue;
    let hits = reflected(sent.response.json, extras).filter((k) => !already.has(k));
    let how = 'reflected in the response';
    const resource = ctx.resources.find((r) => r.create === op && r.read !== undefined);
    if (hits.length === 0 && resource?.read !== undefined) {
      const id = idOf(sent.response.json, resource.param);
      if (id !== undefined) {
        const readBase = goodValues(ctx, resource.read, ctx.primary?.name);
        const read = await sendOp(ctx, resource.read, { ...readBase, path: { ...readBase.path, [resource.param]: id } }, ctx.primary);
        hits = reflected(read.response.json, extras).filter((k) => !already.has(k));
        how = `persisted (read back with ${resource.read.method} ${resource.read.path})`;
      }
    }
    if (hits.length === 0) continue;
    ctx.findings.add({
      ruleId: 'mass-assignment.accepted', check: 'mass-assignment', severity: 'high', owasp: OWASP.API3,
      title: 'Properties the client must not set are accepted', operation: op.id, request: sent.request, response: sent.response,
      evidence: `${op.method} ${op.path} answered ${sent.response.status} and ${hits.map((h) => `"${h}"`).join(', ')} sent by the client ${hits.length === 1 ? 'was' : 'were'} ${how}; the same request without ${hits.length === 1 ? 'it' : 'them'} did not answer ${hits.length === 1 ? 'that value' : 'those values'}`,
    });
  }
}
