import { CATEGORIES, detectBody, redactFragment, type Category, type DetectContext, type Detection } from '../../detect/index.js';
import type { RequestContext } from '../../gateway/context.js';
import { parseCookies, repeatedCookies } from '../../gateway/headers.js';
import { requestBody } from '../../gateway/request-body.js';
import type { Denial } from '../../errors/index.js';
import type { Operation } from '../../openapi/types.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import { compilePlan, type Plan, type PlanOptions } from './plan.js';
import { scan } from './scan.js';
import { scanUndeclared, type Declared } from './undeclared.js';

const EMPTY_COOKIES: Readonly<Record<string, string>> = Object.freeze({});

type Where = 'path' | 'query' | 'header' | 'cookie';

interface ParamTarget {
  readonly in: Where;
  /** Lower-case for headers. */
  readonly name: string;
  readonly plan: Plan;
  readonly location: string;
}

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json') || mediaType.endsWith('/json');
}

interface Targets {
  params: ParamTarget[];
  /** JSON and form bodies: walked along their schema. */
  bodies: Map<string, Plan>;
  /** Other declared media types (XML, multipart, text): read whole by the body reader. */
  rawBodies: Set<string>;
}

/** The parameters and body media types of an operation, compiled into what to scan and how. */
function compileTargets(operation: Operation | undefined, options: PlanOptions): Targets {
  const params: ParamTarget[] = [];
  const bodies = new Map<string, Plan>();
  const rawBodies = new Set<string>();
  if (operation === undefined) return { params, bodies, rawBodies };
  // Parameters travel in the URL, headers and cookies: a line break there was percent-encoded on purpose.
  const paramOptions: PlanOptions = { ...options, encodedNewlines: true };
  for (const p of operation.parameters) {
    const name = p.in === 'header' ? p.name.toLowerCase() : p.name;
    const plan = compilePlan(p.schema, p.name, paramOptions);
    if (plan.t !== 'skip') params.push({ in: p.in as Where, name, plan, location: `${p.in}.${name}` });
  }
  for (const [mediaType, media] of Object.entries(operation.requestBody?.content ?? {})) {
    const type = mediaType.toLowerCase();
    if (isJson(type) || type === 'application/x-www-form-urlencoded') {
      const plan = compilePlan(media.schema, 'body', type === 'application/x-www-form-urlencoded' ? paramOptions : options);
      if (plan.t !== 'skip') bodies.set(type, plan);
    } else if (type.includes('xml') || type.startsWith('multipart/') || type.startsWith('text/')) {
      rawBodies.add(type);
    }
  }
  return { params, bodies, rawBodies };
}

function rawParam(ctx: RequestContext, t: ParamTarget): unknown {
  switch (t.in) {
    case 'path': return ctx.pathParams?.[t.name] ?? ctx.params?.path[t.name];
    case 'query': return ctx.query?.[t.name] ?? ctx.params?.query[t.name];
    case 'header': return ctx.req.headers[t.name];
    case 'cookie': return (ctx.cookies ??= parseCookies(ctx.req.headers.cookie))[t.name];
  }
}

/** The body as the gateway's one parse read it (gateway/request-body.ts). */
function bodyOf(ctx: RequestContext): { value: unknown; mediaType: string } | undefined {
  const value = requestBody(ctx);
  if (value === undefined) return undefined;
  const header = ctx.req.headers['content-type'] ?? '';
  return { value, mediaType: ctx.bodyMediaType ?? header.split(';')[0]?.trim().toLowerCase() ?? '' };
}

/**
 * The injection guard. Schema-aware: values the enforced contract already pins down are
 * validated, not scanned; free strings get the detectors that fit them (URL fields add SSRF);
 * `scan: all` adds every undeclared value, for pass-through traffic and loose contracts. Runs
 * after the contract policy, which has parsed parameters and body and refused malformed ones.
 */
export const injectionPolicy: PolicyFactory = ({ scope, api, operation, validators }) => {
  const config = api.policies.injection;
  if (config === undefined || config.mode === 'off') return undefined;
  const scanAll = config.scan === 'all';
  const categories: ReadonlySet<Category> | undefined = config.ignore.size === 0 ? undefined : new Set(CATEGORIES.filter((c) => !config.ignore.has(c)));
  const level = config.level;
  const options: PlanOptions = { trustContract: api.policies.contract.mode === 'enforce' && validators !== undefined, categories, level };
  const { params, bodies, rawBodies } = compileTargets(operation, options);
  const context: DetectContext = { ...(categories === undefined ? {} : { categories }), level };
  const anyBody: Plan = { t: 'any', ctx: context };
  // Form fields travel percent-encoded: a line break in one was hidden on purpose.
  const anyForm: Plan = { t: 'any', ctx: { ...context, encodedNewlines: true } };
  const declared: Declared = {
    query: new Set(operation?.parameters.filter((p) => p.in === 'query').map((p) => p.name)),
    header: new Set(operation?.parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase())),
    cookie: new Set(operation?.parameters.filter((p) => p.in === 'cookie').map((p) => p.name)),
    scanPath: operation === undefined,
  };
  const hasBody = scanAll || bodies.size > 0 || rawBodies.size > 0;
  if (params.length === 0 && !hasBody) return undefined;
  const logger = scope.services.logger;
  const label = operation?.id ?? '(unmatched)';

  const refuse = (ctx: RequestContext, d: Detection): Denial => {
    // The rule and its tokens explain the decision; like the fragment they are client data, so redacted.
    logger.warn({
      reqId: ctx.id, api: api.name, operation: label, policy: 'injection', mode: config.mode, category: d.category, rule: d.rule,
      level: d.level, location: d.location, fragment: redactFragment(d.fragment), tokens: d.tokens.map(redactFragment),
    }, 'injection detected');
    return { code: 'GH_INJECTION_DETECTED', detail: `${d.category} in ${d.location ?? 'the request'}` };
  };

  const instance: PolicyInstance = {
    name: 'injection',
    mode: config.mode,
    needsRequestBody: hasBody,
    request(ctx) {
      for (const t of params) {
        const value = rawParam(ctx, t);
        if (value === undefined) continue;
        const d = scan(value, t.plan, t.location);
        if (d !== undefined) return refuse(ctx, d);
        if (t.in === 'cookie') {
          // A declared cookie sent twice: an upstream reading the last copy acts on the one not yet scanned.
          const later = repeatedCookies(ctx.cookies ?? EMPTY_COOKIES)?.get(t.name);
          if (later !== undefined) {
            for (const v of later) {
              const again = scan(v, t.plan, t.location);
              if (again !== undefined) return refuse(ctx, again);
            }
          }
        }
      }
      if (scanAll) {
        const d = scanUndeclared(ctx, declared, context);
        if (d !== undefined) return refuse(ctx, d);
      }
      return undefined;
    },
    requestBody(ctx) {
      const body = bodyOf(ctx);
      const structured = body !== undefined && (isJson(body.mediaType) || body.mediaType === 'application/x-www-form-urlencoded') &&
        body.value !== null && typeof body.value === 'object' && !Buffer.isBuffer(body.value);
      if (structured) {
        // JSON and forms: walked as the one parse read them, along the declared schema where there is one.
        const plan = bodies.get(body.mediaType) ?? (scanAll ? (body.mediaType === 'application/x-www-form-urlencoded' ? anyForm : anyBody) : undefined);
        if (plan === undefined) return undefined;
        const d = scan(body.value, plan, 'body');
        return d === undefined ? undefined : refuse(ctx, d);
      }
      // XML, multipart, text and other bodies: read whole, as the text the one parse decoded, else as the bytes the
      // upstream receives (multipart, application/xml, octets).
      const contentType = ctx.req.headers['content-type'] ?? '';
      if (!scanAll && !rawBodies.has((contentType.split(';')[0] ?? '').trim().toLowerCase())) return undefined;
      const source = typeof body?.value === 'string' ? body.value : ctx.rawBody;
      if (source === undefined || source.length === 0) return undefined;
      const found: Detection[] = [];
      detectBody(source, contentType, context, found);
      return found[0] === undefined ? undefined : refuse(ctx, found[0]);
    },
  };
  return instance;
};
