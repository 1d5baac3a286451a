import type { RequestContext } from '../../gateway/context.js';
import type { PolicyFactory, PolicyInstance, UpstreamResponseView } from '../types.js';
import type { Denial } from '../../errors/index.js';
import type { ResponseValidator } from '../../openapi/validator-types.js';
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
  // A third party's answer (egress) is validated in every setting, strip included: a wrong type,
  // an out-of-range number or an unchecked format from a provider reaches our services as trusted
  // data (OWASP API10). Undeclared fields are then stripped or, with block, refused.
  const egress = api.egress !== undefined;
  const undeclared = (response: UpstreamResponseView): boolean =>
    !v.declaresStatus(response.status) || v.response(response.status, 'application/json') !== undefined;
  const monitored = setting === 'validate' || api.egress?.mode === 'monitor';
  const instance: PolicyInstance = {
    name: 'response-contract',
    mode: monitored ? 'monitor' : 'enforce',
    wantsResponseBody(_ctx, response) {
      const validator = v.response(response.status, response.contentType);
      if (validator !== undefined) return validator.kind === 'json';
      // From a provider, a status or media type its spec does not declare is a violation too.
      return egress && undeclared(response);
    },
    // Strip only (no validation): a conforming body, the usual case, is judged from its bytes.
    ...(setting === 'strip' && !egress ? {
      rawResponse(_ctx: RequestContext, response: UpstreamResponseView, raw: Buffer) {
        return v.response(response.status, response.contentType)?.conformsUnparsed(raw) === true;
      },
    } : {}),
    responseBody(ctx, response, body) {
      const validator = v.response(response.status, response.contentType);
      if (validator === undefined) return egress ? UNDECLARED : undefined;
      if (egress && setting === 'strip') {
        // Stripped first, so a field the provider added is removed rather than refused; what is
        // left must then match the declared types, formats and sizes.
        ctx.strippedFields += validator.strip(body);
        return invalid(validator.validate(body), monitored);
      }
      if (setting !== 'strip') {
        const denial = invalid(validator.validate(body), monitored);
        if (denial !== undefined) return denial;
      }
      const removed = validator.strip(body);
      ctx.strippedFields += removed;
      // block on egress: a provider that sends what its spec does not declare is refused outright.
      if (egress && setting === 'block' && removed > 0) return UNDECLARED_FIELDS;
      return undefined;
    },
  };
  return instance;
};

const UNDECLARED = { code: 'GH_UPSTREAM_RESPONSE_INVALID', detail: 'the upstream answered with a status or media type the contract does not declare' } as const;

const UNDECLARED_FIELDS = { code: 'GH_UPSTREAM_RESPONSE_INVALID', detail: 'the upstream response has fields the contract does not declare' } as const;

function invalid(issues: ReturnType<ResponseValidator['validate']>, withErrors: boolean): Denial | undefined {
  if (issues === undefined || issues.length === 0) return undefined;
  const denial = denialFromIssues(issues, 'GH_UPSTREAM_RESPONSE_INVALID');
  // The client must not learn the upstream's internals: keep the code, drop the details.
  return { code: 'GH_UPSTREAM_RESPONSE_INVALID', detail: 'the upstream response does not match the contract', ...(withErrors ? { errors: denial.errors ?? [] } : {}) };
}
