import { hasBody } from '../../gateway/body.js';
import { parseCookies, repeatedCookies } from '../../gateway/headers.js';
import { requestBody, requestBodyProblem } from '../../gateway/request-body.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import { denialFromIssues } from './issues.js';
import { inspectJson, type JsonLimits } from './json-guard.js';

const EMPTY: Record<string, never> = Object.freeze(Object.create(null) as Record<string, never>);

/**
 * The request side of contract enforcement: parameters, content type and body against the
 * operation's compiled schemas, plus structural limits on JSON bodies.
 */
export const requestSchemaPolicy: PolicyFactory = ({ api, config, operation, validators }) => {
  const settings = api.policies.contract;
  if (settings.mode === 'off' || validators === undefined) return undefined;
  const v = validators;
  const limits: JsonLimits = { maxDepth: config.limits.maxJsonDepth, maxElements: config.limits.maxJsonElements, maxStringLength: config.limits.maxStringLength };
  const accepted = v.bodyMediaTypes.join(', ');
  const cookieParams = (operation?.parameters ?? []).filter((p) => p.in === 'cookie').map((p) => p.name);

  const instance: PolicyInstance = {
    name: 'contract',
    mode: settings.mode,
    needsRequestBody: v.hasBody,
    request(ctx) {
      const req = ctx.req;
      ctx.cookies ??= parseCookies(req.headers.cookie);
      if (cookieParams.length > 0) {
        const repeated = repeatedCookies(ctx.cookies);
        const name = repeated === undefined ? undefined : cookieParams.find((n) => repeated.has(n));
        if (name !== undefined) return { code: 'GH_REQUEST_AMBIGUOUS', detail: `the cookie ${JSON.stringify(name.slice(0, 60))} is sent more than once; servers read either copy` };
      }
      const result = v.parameters({ path: ctx.pathParams ?? EMPTY, query: ctx.query ?? EMPTY, headers: req.headers, cookies: ctx.cookies });
      ctx.params = result.values;
      if (result.issues !== undefined && result.issues.length > 0) return denialFromIssues(result.issues, 'GH_CONTRACT_PARAMETER_INVALID');
      const sent = hasBody(req);
      if (!sent) {
        return v.bodyRequired ? { code: 'GH_CONTRACT_BODY_REQUIRED', detail: `send a body of type ${accepted}` } : undefined;
      }
      if (!v.hasBody) return { code: 'GH_CONTRACT_BODY_INVALID', detail: 'this operation takes no request body' };
      const contentType = req.headers['content-type'];
      const chosen = contentType === undefined ? undefined : v.body(contentType);
      if (chosen === undefined) {
        return { code: 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE', detail: `accepted: ${accepted}` };
      }
      ctx.bodyValidator = chosen;
      ctx.bodyMediaType = chosen.mediaType;
      return undefined;
    },
    requestBody(ctx) {
      const chosen = ctx.bodyValidator;
      if (chosen === undefined || ctx.rawBody === undefined) return undefined;
      // The gateway's one parse (in enforce mode it has refused an unreadable body already).
      const problem = requestBodyProblem(ctx);
      if (problem !== undefined) return problem;
      const body = requestBody(ctx);
      if (chosen.kind === 'json') {
        const structural = inspectJson(body, limits);
        if (structural !== undefined) return structural;
      }
      if (chosen.kind === 'binary') return undefined;
      const issues = chosen.validate(body);
      return issues !== undefined && issues.length > 0 ? denialFromIssues(issues, 'GH_CONTRACT_BODY_INVALID') : undefined;
    },
  };
  return instance;
};
