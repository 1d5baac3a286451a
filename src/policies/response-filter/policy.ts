import type { RequestContext } from '../../gateway/context.js';
import type { PolicyFactory, PolicyInstance, UpstreamResponseView } from '../types.js';
import { denialFromIssues } from '../request-schema/issues.js';

/**
 * The response side of contract enforcement. `strip` (default) removes properties the spec does
 * not declare for that status and media type: lean responses, so a field an upstream adds by
 * mistake (a password hash, an internal flag) never leaves. `block` answers 502 on any violation;
 * `validate` records violations and lets the response through.
 *
 * `responses` is its own switch: `contract.mode: off` turns the request-side checks off and
 * leaves this as configured. Turning request validation off (a spec still being fixed) must not
 * quietly start letting internal fields out; `responses: off` does that, and says so.
 */
export const responseFilterPolicy: PolicyFactory = ({ api, validators }) => {
  const setting = api.policies.contract.responses;
  if (setting === 'off' || validators === undefined) return undefined;
  const v = validators;
  const instance: PolicyInstance = {
    name: 'response-contract',
    mode: setting === 'validate' ? 'monitor' : 'enforce',
    wantsResponseBody(_ctx, response) {
      return v.response(response.status, response.contentType)?.kind === 'json';
    },
    // Strip only (no validation): a conforming body, the usual case, is judged from its bytes.
    ...(setting === 'strip' ? {
      rawResponse(_ctx: RequestContext, response: UpstreamResponseView, raw: Buffer) {
        return v.response(response.status, response.contentType)?.conformsUnparsed(raw) === true;
      },
    } : {}),
    responseBody(ctx, response, body) {
      const validator = v.response(response.status, response.contentType);
      if (validator === undefined) return undefined;
      if (setting !== 'strip') {
        const issues = validator.validate(body);
        if (issues !== undefined && issues.length > 0) {
          const denial = denialFromIssues(issues, 'GH_UPSTREAM_RESPONSE_INVALID');
          // The client must not learn the upstream's internals: keep the code, drop the details.
          return { code: 'GH_UPSTREAM_RESPONSE_INVALID', detail: 'the upstream response does not match the contract', ...(setting === 'validate' ? { errors: denial.errors ?? [] } : {}) };
        }
      }
      ctx.strippedFields += validator.strip(body);
      return undefined;
    },
  };
  return instance;
};
