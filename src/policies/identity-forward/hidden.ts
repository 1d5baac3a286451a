import type { ApiConfig, GatehouseConfig } from '../../config/types.js';
import { initialsOf, type UpstreamFilter } from '../../gateway/headers.js';
import { identityConfigOf } from '../../identity/runtime.js';
import type { LoadedSpec, Operation } from '../../openapi/types.js';
import { authenticationOf, credentialSlot, requirementsFor } from '../authn/schemes.js';

/** The gateway's own header namespace: whatever the configured prefix, a client never writes in it. */
export const GATEWAY_HEADER_PREFIX = 'x-gatehouse-';

/**
 * What of the client's request never reaches the upstream of one route, compiled at load time:
 *
 * - headers in the gateway's namespace (`x-gatehouse-*` and `forwardIdentity.headerPrefix`),
 *   on every request, whether or not `forwardIdentity` is on: an upstream that trusts the
 *   gateway's identity headers must never read one a client wrote;
 * - the forwarded identity token's header, and Authorization with `stripAuthorization`;
 * - the credentials this route's security schemes consume, per `authentication.hideCredentials`:
 *   API keys (header, query parameter or cookie) by default, Authorization when asked. Only
 *   where the gateway checks them (not with `authentication.mode: off`, not on public
 *   operations): elsewhere the same name may be the upstream's own parameter.
 */
export function upstreamFilterFor(config: GatehouseConfig, api: ApiConfig, spec: LoadedSpec, operation: Operation | undefined): UpstreamFilter {
  const forward = api.policies.forwardIdentity;
  const prefixes = [GATEWAY_HEADER_PREFIX];
  const configured = forward?.headerPrefix;
  if (configured !== undefined && !configured.startsWith(GATEWAY_HEADER_PREFIX)) prefixes.push(configured);
  const names = new Set<string>();
  if (forward?.token !== undefined) names.add(forward.token.header);
  if (forward?.stripAuthorization === true) names.add('authorization');
  const query: string[] = [];
  const cookies: string[] = [];
  const authentication = authenticationOf(api);
  const hide = authentication.hideCredentials;
  if (authentication.mode !== 'off' && (hide.apiKeys || hide.authorization)) {
    const defaultHeader = identityConfigOf(config).apiKeys.header;
    for (const requirement of requirementsFor(operation, authentication)) {
      for (const scheme of Object.keys(requirement)) {
        const slot = credentialSlot(scheme, spec, defaultHeader);
        if (slot === undefined || !(slot.type === 'apiKey' ? hide.apiKeys : hide.authorization)) continue;
        const { in: where, name } = slot.location;
        if (where === 'header') names.add(name);
        else if (where === 'query') { if (!query.includes(name)) query.push(name); }
        else if (!cookies.includes(name)) cookies.push(name);
      }
    }
  }
  // An egress API's provider credentials are the gateway's to set: a caller's copy never goes out.
  for (const credential of api.egress?.credentials ?? []) {
    if ('header' in credential) names.add(credential.header);
    else if (!query.includes(credential.query)) query.push(credential.query);
  }
  const keys = new Set([...names].map(headerKey));
  return { prefixes, names: keys, query, cookies, initials: initialsOf([...prefixes, ...keys]) };
}

/**
 * A header name as an upstream may read it: lower-case, `_` as `-`. CGI-style servers (WSGI,
 * Rack, PHP) and some proxies map `X-Gatehouse_Subject` and `X-Gatehouse-Subject` to the same
 * variable, so both spellings are the gateway's.
 */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.indexOf('_') === -1 ? lower : lower.replaceAll('_', '-');
}
