import type { Operation } from '../../openapi/types.js';
import { child, isObject, type RawDoc } from '../raw.js';
import type { Rule } from '../types.js';
import { ADMIN_PATH, hasSecurity, rawOp, serverRefs } from './util.js';

const SIDE_EFFECT_VERB = /^(delete|remove|create|update|add|set|reset|revoke|cancel|approve|destroy|purge|insert|modify|send|disable|enable|execute|run|trigger)([A-Z_\-\s.]|$)/;
const ENVIRONMENT = /\b(local|localhost|dev|development|test|testing|qa|uat|stag(e|ing)|sandbox|preview|demo|mock|prod|production|live)\b/i;
const DEBUG_PATH = /(^|\/)(debug|actuator|_debug|_internal|phpinfo|heapdump|trace\.axd)(\/|$)/i;
/**
 * Words that name an internal area only at the root of the API (`/internal/…`, `/v2/test/…`):
 * after a resource they are that resource's action (`/hooks/{id}/tests` sends a test delivery).
 */
const DEBUG_ROOT = /^\/(?:api\/)?(?:v\d+[^/]*\/)?(internal|test|tests|env|dev)(\/|$)/i;

export const operationRules: Rule[] = [
  {
    id: 'GH-OP-001', title: 'GET with side effects', severity: 'medium', owasp: 'API8:2023',
    description: 'GET is safe by definition (RFC 9110 §9.2.1): caches, crawlers, prefetchers and CSRF via <img> will trigger a state change.',
    fix: 'Use POST, PUT, PATCH or DELETE for operations that change state; GET must not take a body.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        if (op.method !== 'GET') continue;
        const name = op.operationId ?? '';
        if (op.requestBody !== undefined) emit(op.pointer, `GET ${op.path} takes a request body`);
        else if (SIDE_EFFECT_VERB.test(name) || SIDE_EFFECT_VERB.test((op.summary ?? '').toLowerCase())) emit(op.pointer, `GET ${op.path} (${name || op.summary || ''}) looks state-changing`);
      }
    },
  },
  {
    id: 'GH-OP-002', title: 'TRACE method exposed', severity: 'medium', owasp: 'API8:2023',
    description: 'TRACE echoes the request, including cookies and Authorization headers (cross-site tracing).',
    fix: 'Remove TRACE operations from the API.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) if (op.method === 'TRACE') emit(op.pointer, `TRACE ${op.path} is exposed`);
    },
  },
  {
    id: 'GH-OP-003', title: 'Deprecated operation still published', severity: 'low', owasp: 'API9:2023',
    description: 'Deprecated operations linger as zombie APIs that nobody maintains or patches.',
    fix: 'Set a sunset date (`x-sunset`) and remove the operation when it passes.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) if (op.deprecated) emit(op.pointer, `${op.method} ${op.path} is deprecated but still present`);
    },
  },
  {
    id: 'GH-OP-004', title: 'Administrative operation without security', severity: 'high', owasp: 'API5:2023',
    description: 'An admin-looking path that requires no authentication is an open door to privileged functions.',
    fix: 'Require authentication and an admin scope or role on administrative operations.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) if (ADMIN_PATH.test(op.path) && !hasSecurity(op)) emit(op.pointer, `${op.method} ${op.path} is administrative and unauthenticated`);
    },
  },
  {
    id: 'GH-OP-005', title: 'Debug or internal endpoint published', severity: 'medium', owasp: 'API9:2023',
    description: 'Debug, test, actuator or internal endpoints in a public contract expose functions never meant for clients.',
    fix: 'Remove internal endpoints from the public spec and from the public listener.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        const raw = rawOp(ctx.raw, op);
        if (DEBUG_PATH.test(op.path) || DEBUG_ROOT.test(op.path) || raw['x-internal'] === true) emit(op.pointer, `${op.method} ${op.path} looks like an internal or debug endpoint`);
      }
    },
  },
];

export const inventoryRules: Rule[] = [
  {
    id: 'GH-INV-001', title: 'Operation without operationId', severity: 'low', owasp: 'API9:2023',
    description: 'Without a stable operationId, inventory, policies and findings cannot follow an operation across versions.',
    fix: 'Give every operation a unique `operationId`.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) if (op.operationId === undefined || op.operationId === '') emit(op.pointer, `${op.method} ${op.path} has no operationId`);
    },
  },
  {
    id: 'GH-INV-002', title: 'Operation without owner', severity: 'low', owasp: 'API9:2023',
    description: 'An operation nobody owns is nobody\'s to fix, patch or retire.',
    fix: 'Set `x-owner` (team or contact) on the operation, or once on `info` for the whole document.',
    check(ctx, emit) {
      const info = ctx.spec.raw.info;
      if (ctx.spec.raw['x-owner'] !== undefined || (isObject(info) && info['x-owner'] !== undefined)) return;
      for (const op of ctx.spec.operations) if (op.extensions['x-owner'] === undefined) emit(op.pointer, `${op.method} ${op.path} has no x-owner`);
    },
  },
  {
    id: 'GH-INV-003', title: 'Operation without tags', severity: 'low', owasp: 'API9:2023',
    description: 'Untagged operations fall out of grouping, documentation and ownership reports.',
    fix: 'Tag every operation with the resource or domain it belongs to.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) if (op.tags.length === 0) emit(op.pointer, `${op.method} ${op.path} has no tags`);
    },
  },
  {
    id: 'GH-INV-004', title: 'No contact information', severity: 'low', owasp: 'API9:2023',
    description: 'Without `info.contact` nobody knows whom to tell about a vulnerability or an outage.',
    fix: 'Add `info.contact` with a team e-mail or URL.',
    check(ctx, emit) {
      const info = ctx.spec.raw.info;
      if (!isObject(info) || !isObject(info.contact)) emit(isObject(info) ? '/info' : '', 'the document has no contact');
    },
  },
  {
    id: 'GH-INV-005', title: 'Server audience not declared', severity: 'low', owasp: 'API9:2023',
    description: 'Inventory needs to know which servers are meant for the public and which are internal; `x-internal` on each server says so.',
    fix: 'Set `x-internal: true` or `x-internal: false` on every server.',
    check(ctx, emit) {
      if (ctx.spec.version === '2.0') return;
      for (const s of serverRefs(ctx.raw, ctx.spec.version)) {
        const at = s.pointer.replace(/\/url$/, '');
        const node = ctx.raw.get(at);
        if (isObject(node) && typeof node['x-internal'] !== 'boolean') emit(at, `server ${s.url} does not say whether it is internal (x-internal)`);
      }
    },
  },
  {
    id: 'GH-INV-006', title: 'Server environment not described', severity: 'low', owasp: 'API9:2023',
    description: 'Servers whose environment (production, staging, sandbox) is unstated get mixed up: test data reaches production, staging stays exposed.',
    fix: 'Say in each server\'s `description` which environment it is (production, staging, sandbox, development, test).',
    check(ctx, emit) {
      if (ctx.spec.version === '2.0') return;
      for (const s of serverRefs(ctx.raw, ctx.spec.version)) {
        const at = s.pointer.replace(/\/url$/, '');
        const node = ctx.raw.get(at);
        const d = isObject(node) && typeof node.description === 'string' ? node.description : '';
        if (!ENVIRONMENT.test(d)) emit(at, `server ${s.url} does not name its environment`);
      }
    },
  },
];

export const corsRules: Rule[] = [
  {
    id: 'GH-CORS-001', title: 'CORS allows any origin', severity: 'medium', owasp: 'API8:2023',
    description: 'A documented `Access-Control-Allow-Origin: *` lets any web page read the responses from a browser.',
    fix: 'Allow-list the origins that need access instead of `*`.',
    check(ctx, emit) {
      forAcao(ctx.spec.operations, ctx.raw, (ptr) => emit(ptr, 'Access-Control-Allow-Origin is `*`'));
    },
  },
  {
    id: 'GH-CORS-002', title: 'CORS any origin with credentials', severity: 'high', owasp: 'API8:2023',
    description: 'Any origin combined with Access-Control-Allow-Credentials lets hostile sites act with the user\'s cookies (browsers refuse `*`, so servers reflect the origin).',
    fix: 'Never combine credentials with a wildcard or reflected origin; allow-list exact origins.',
    check(ctx, emit) {
      forAcao(ctx.spec.operations, ctx.raw, (ptr, headers) => {
        if (Object.keys(headers).some((h) => h.toLowerCase() === 'access-control-allow-credentials')) emit(ptr, 'Access-Control-Allow-Origin `*` together with Access-Control-Allow-Credentials');
      });
    },
  },
  {
    id: 'GH-CORS-003', title: 'CORS policy not documented', severity: 'low', owasp: 'API8:2023',
    description: 'Without a documented Access-Control-Allow-Origin nobody can tell which web origins may read the API from a browser, or check that the service agrees.',
    fix: 'Declare `Access-Control-Allow-Origin` (an allow-listed origin) on the responses of operations browsers call.',
    check(ctx, emit) {
      const declares = (op: Operation): boolean => Object.values(op.responses).some((r) => Object.keys(r.headers).some((h) => h.toLowerCase() === 'access-control-allow-origin'));
      const with_ = ctx.spec.operations.filter(declares);
      if (ctx.spec.operations.length === 0) return;
      // Nothing documented anywhere is one gap for the whole document; some operations without it is one per operation.
      if (with_.length === 0) { emit(isObject(ctx.spec.raw.paths) ? '/paths' : '', 'no response documents Access-Control-Allow-Origin'); return; }
      for (const op of ctx.spec.operations) if (!declares(op)) emit(child(op.pointer, 'responses'), `${op.method} ${op.path} documents no Access-Control-Allow-Origin while other operations do`);
    },
  },
];

function forAcao(ops: readonly Operation[], raw: RawDoc, fn: (ptr: string, headers: Readonly<Record<string, unknown>>) => void): void {
  const seen = new Set<string>();
  for (const op of ops) for (const r of Object.values(op.responses)) for (const h of Object.keys(r.headers)) {
    if (h.toLowerCase() !== 'access-control-allow-origin') continue;
    // Responses and headers may be `$ref`s: resolve to where they are written, report there once.
    const resp = raw.at(r.pointer);
    if (!isObject(resp.node) || !isObject(resp.node.headers)) continue;
    const { node, pointer } = raw.resolve(resp.node.headers[h], child(resp.pointer, 'headers', h));
    if (!isObject(node) || seen.has(pointer)) continue;
    seen.add(pointer);
    const schema = isObject(node.schema) ? raw.resolve(node.schema, pointer).node : node;
    if (!isObject(schema)) continue;
    const values = [schema.const, schema.default, schema.example, node.example, ...(Array.isArray(schema.enum) ? schema.enum : [])];
    if (values.includes('*')) fn(pointer, r.headers);
  }
}
