import { child, isObject } from '../raw.js';
import type { Rule } from '../types.js';
import { hasSecurity, statusCodes } from './util.js';

const RATE_HEADER = /ratelimit|rate-limit|retry-after/i;
/** IETF RateLimit / RateLimit-Policy, and the X-RateLimit-* / X-Rate-Limit-* families in use before it. */
const RATELIMIT_HEADER = /^(x-)?rate-?limit(-|$)/i;

export const responseRules: Rule[] = [
  {
    id: 'GH-RESP-001', title: 'Secured operation without 401 response', severity: 'low', owasp: 'API2:2023',
    description: 'Clients and tests cannot tell how authentication failures look, and gateways cannot validate them.',
    fix: 'Document a `401` response (with a problem+json schema) on operations that require authentication.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        const c = statusCodes(op);
        if (hasSecurity(op) && !c.has('401') && !c.has('4XX')) emit(child(op.pointer, 'responses'), `${op.method} ${op.path} documents no 401`);
      }
    },
  },
  {
    id: 'GH-RESP-002', title: 'Secured operation without 403 response', severity: 'low', owasp: 'API5:2023',
    description: 'No documented 403 suggests no authorization decision beyond authentication.',
    fix: 'Document a `403` response for callers that are authenticated but not allowed.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        const c = statusCodes(op);
        if (hasSecurity(op) && !c.has('403') && !c.has('4XX')) emit(child(op.pointer, 'responses'), `${op.method} ${op.path} documents no 403`);
      }
    },
  },
  {
    id: 'GH-RESP-003', title: 'Operation without 429 response', severity: 'low', owasp: 'API4:2023', mitigatedBy: 'rateLimited',
    description: 'No 429 means no documented rate limit: clients do not back off and abuse is not bounded.',
    fix: 'Document `429 Too Many Requests` with `Retry-After` and `RateLimit` headers.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        const c = statusCodes(op);
        if (!c.has('429') && !c.has('4XX')) emit(child(op.pointer, 'responses'), `${op.method} ${op.path} documents no 429`);
      }
    },
  },
  {
    id: 'GH-RESP-004', title: 'No client error response', severity: 'medium', owasp: 'API8:2023',
    description: 'An operation with no 4xx (or default) response documents no failure at all: validation is probably missing.',
    fix: 'Document the 4xx responses (400, 401, 403, 404, 422, 429) the operation can return.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        const c = [...statusCodes(op)];
        if (!c.some((x) => x.startsWith('4') || x === 'DEFAULT')) emit(child(op.pointer, 'responses'), `${op.method} ${op.path} documents no 4xx response`);
      }
    },
  },
  {
    id: 'GH-RESP-005', title: 'Error response without schema', severity: 'low', owasp: 'API8:2023',
    description: 'An error body with no schema cannot be checked, so a service may leak stack traces or internal data in it.',
    fix: 'Give error responses a schema, ideally RFC 9457 `application/problem+json`.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        if (op.method === 'HEAD') continue;
        for (const [code, r] of Object.entries(op.responses)) {
          if (!/^[45]/.test(code) && code !== 'default') continue;
          const media = Object.values(r.content);
          if (media.length === 0 || media.every((m) => m.schema === undefined)) emit(r.pointer, `${op.method} ${op.path} response ${code} has no schema`);
        }
      }
    },
  },
  {
    id: 'GH-RATE-001', title: 'No rate-limit documentation', severity: 'medium', owasp: 'API4:2023', mitigatedBy: 'rateLimited',
    description: 'Nothing in the document mentions rate limits (no 429, no RateLimit or Retry-After headers, no x-rate-limit extension).',
    fix: 'Document limits: 429 responses with `RateLimit`/`Retry-After` headers, or an `x-rate-limit` extension.',
    check(ctx, emit) {
      if (ctx.spec.operations.length === 0) return;
      for (const op of ctx.spec.operations) {
        if (Object.keys(op.extensions).some((k) => RATE_HEADER.test(k))) return;
        for (const [code, r] of Object.entries(op.responses)) if (code === '429' || Object.keys(r.headers).some((h) => RATE_HEADER.test(h))) return;
      }
      if (Object.keys(ctx.spec.raw).some((k) => k.startsWith('x-') && RATE_HEADER.test(k))) return;
      emit(isObject(ctx.spec.raw.paths) ? '/paths' : '', 'no operation documents a rate limit');
    },
  },
  {
    id: 'GH-RESP-009', title: 'No server error response', severity: 'low', owasp: 'API8:2023',
    description: 'Without a documented 500 nobody has said what a failure may contain, so stack traces and internals leak unnoticed.',
    fix: 'Document `500` (or `5XX` / `default`) with an RFC 9457 problem+json schema.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        const c = statusCodes(op);
        if (!c.has('500') && !c.has('5XX') && !c.has('DEFAULT')) emit(child(op.pointer, 'responses'), `${op.method} ${op.path} documents no 500 response`);
      }
    },
  },
  {
    id: 'GH-RATE-002', title: 'Responses without RateLimit headers', severity: 'low', owasp: 'API4:2023', mitigatedBy: 'rateLimited',
    description: 'Clients that are not told their remaining quota (RateLimit headers on 2xx and 4xx) find the limit by hitting it, again and again.',
    fix: 'Declare `RateLimit` and `RateLimit-Policy` (or `X-RateLimit-Limit` / `X-RateLimit-Remaining`) headers on 2xx and 4xx responses.',
    check(ctx, emit) {
      for (const op of ctx.spec.operations) {
        const missing = Object.entries(op.responses).filter(([code, r]) => /^[24]\d\d$/.test(code) && !Object.keys(r.headers).some((h) => RATELIMIT_HEADER.test(h))).map(([code]) => code);
        if (missing.length > 0) emit(child(op.pointer, 'responses'), `${op.method} ${op.path}: responses ${missing.join(', ')} declare no RateLimit headers`);
      }
    },
  },
  {
    id: 'GH-RATE-003', title: '429 response without Retry-After', severity: 'low', owasp: 'API4:2023', mitigatedBy: 'rateLimited',
    description: 'A 429 that does not say when to come back makes clients retry at once, which turns a limit into a retry storm (RFC 6585 §4).',
    fix: 'Declare a `Retry-After` header on every 429 response.',
    check(ctx, emit) {
      const seen = new Set<string>();
      for (const op of ctx.spec.operations) {
        const r = op.responses['429'];
        if (r === undefined || Object.keys(r.headers).some((h) => h.toLowerCase() === 'retry-after')) continue;
        // A shared 429 component is reported once, where it is written.
        const at = ctx.raw.at(r.pointer).pointer;
        if (seen.has(at)) continue;
        seen.add(at);
        emit(at, `the 429 response of ${op.method} ${op.path} declares no Retry-After`);
      }
    },
  },
];
