import type { RequestContext } from '../gateway/context.js';
import { requestBody } from '../gateway/request-body.js';
import { essence } from '../openapi/media.js';
import type { PolicyFactory, PolicyInstance } from '../policies/types.js';
import { DEFAULT_SHAPE_LIMITS, walkShape, type BodyShape, type ShapeLimits } from './shape.js';

/**
 * Body shapes of sampled requests, handed from this policy to the inventory observer. Keyed by
 * the request context, so nothing outlives the request and RequestContext keeps its fixed shape.
 */
const shapes = new WeakMap<RequestContext, { request?: BodyShape; response?: BodyShape }>();
const pendingResponse = new WeakSet<RequestContext>();

export function takeShapes(ctx: RequestContext): { request?: BodyShape; response?: BodyShape } | undefined {
  const found = shapes.get(ctx);
  if (found !== undefined) shapes.delete(ctx);
  return found;
}

/** Bodies larger than this are not parsed for their shape (only matters for unmatched traffic). */
const MAX_PARSE_BYTES = 64 * 1024;

/**
 * At most `max` samples per minute. The clock is read only for a request the sampling rate has
 * already picked, so the others pay nothing for the cap.
 */
class SampleBudget {
  private start = 0;
  private used = 0;

  constructor(private readonly max: number) {}

  take(): boolean {
    const now = Date.now();
    if (now - this.start >= 60_000) {
      this.start = now;
      this.used = 0;
    }
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }
}

/**
 * The inventory's body sampler. Listed last among the policies, so its response handler runs
 * first: it sees the upstream's fields before the contract strips undeclared ones (that is how
 * drift is found) and values before masking (how sensitive fields are classified). It never
 * refuses. One request in 1/sampleRate per route is walked, the first one always, and no more
 * than maxSamplesPerMinute each way: a walk costs as much as a few hundred unsampled requests,
 * and at thousands of requests a second a fixed rate alone would walk the same shape hundreds
 * of times a second. Other requests pay one counter increment.
 */
export const inventoryPolicy: PolicyFactory = ({ config, operation }) => {
  const settings = config.inventory;
  if (!settings.enabled || !settings.shapes || settings.sampleRate <= 0) return undefined;
  const every = Math.max(1, Math.round(1 / settings.sampleRate));
  const limits: ShapeLimits = { ...DEFAULT_SHAPE_LIMITS, maxFields: settings.maxFields };
  let requests = 0;
  let responses = 0;
  const requestBudget = new SampleBudget(settings.maxSamplesPerMinute);
  const responseBudget = new SampleBudget(settings.maxSamplesPerMinute);
  const instance: PolicyInstance = {
    name: 'inventory',
    mode: 'monitor',
    // Shadow traffic has no contract policy to parse its body; buffer it so its shape is seen.
    needsRequestBody: operation === undefined,
    requestBody(ctx) {
      if (requests++ % every !== 0 || !requestBudget.take()) return undefined;
      let body = ctx.body;
      if (!ctx.bodyParsed && ctx.rawBody !== undefined && ctx.rawBody.length <= MAX_PARSE_BYTES && isJson(ctx.req.headers['content-type'])) {
        body = requestBody(ctx);
      }
      if (body !== undefined && typeof body === 'object' && body !== null) entry(ctx).request = walkShape(body, limits);
      return undefined;
    },
    wantsResponseBody(ctx, response) {
      if (!isJson(response.contentType) || responses++ % every !== 0 || !responseBudget.take()) return false;
      pendingResponse.add(ctx);
      return true;
    },
    responseBody(ctx, _response, body) {
      if (pendingResponse.delete(ctx) && typeof body === 'object' && body !== null) entry(ctx).response = walkShape(body, limits);
      return undefined;
    },
  };
  return instance;
};

function entry(ctx: RequestContext): { request?: BodyShape; response?: BodyShape } {
  let found = shapes.get(ctx);
  if (found === undefined) { found = {}; shapes.set(ctx, found); }
  return found;
}

/** The last content type asked about and the answer: responses of a route repeat the same one. */
let lastType: string | undefined;
let lastJson = false;

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  if (contentType === lastType) return lastJson;
  const type = essence(contentType);
  lastType = contentType;
  lastJson = type === 'application/json' || type.endsWith('+json');
  return lastJson;
}
