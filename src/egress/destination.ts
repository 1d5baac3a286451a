import { isIP } from 'node:net';
import type { RawProblem } from '../config/problem.js';
import type { ApiConfig } from '../config/types.js';
import type { LoadedSpec } from '../openapi/types.js';
import { addressGuard } from './address.js';

/**
 * What an egress API may connect to, checked when the config loads (start, reload,
 * check-config): the upstream must be one of the servers the provider's spec declares, over
 * https unless plain HTTP is declared, with certificates verified; an address literal must pass
 * the destination guard. A config that breaks one of these does not start: a pinned destination
 * that is not pinned would be a protection silently missing.
 */
export function destinationProblems(api: ApiConfig, index: number, spec: LoadedSpec): RawProblem[] {
  const at = (...rest: (string | number)[]): (string | number)[] => ['apis', index, ...rest];
  const egress = api.egress;
  if (egress === undefined) return [];
  const problems: RawProblem[] = [];
  const upstream = api.upstream;
  const target = upstream.origin + upstream.pathPrefix;
  const declared = spec.servers.flatMap((s) => {
    try {
      const url = new URL(s);
      return [url.origin + trimSlash(url.pathname)];
    } catch {
      return []; // a relative server URL names no destination
    }
  });
  if (!declared.includes(target)) {
    problems.push({ path: at('upstream', 'url'), message: declared.length === 0
      ? 'an egress API needs its provider\'s servers in the spec (servers, or host and schemes in 2.0): none is declared with an absolute URL'
      : `${target} is not a server the spec declares (${declared.join(', ')})` });
  }
  const url = new URL(upstream.url);
  if (url.protocol === 'http:' && !egress.plainHttp) {
    problems.push({ path: at('upstream', 'url'), message: 'plain http:// to a third party sends its credentials and data in clear: use https, or set egress.plainHttp: true' });
  }
  if (upstream.tls !== undefined && !upstream.tls.rejectUnauthorized) {
    problems.push({ path: at('upstream', 'tls', 'rejectUnauthorized'), message: 'an egress API always verifies the provider\'s certificate' });
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0) {
    const refused = addressGuard(egress.allowPrivate).refuse(host);
    if (refused !== undefined) problems.push({ path: at('upstream', 'url'), message: `${refused}; list it in egress.allowPrivate if this provider really lives there` });
  }
  if (api.unmatched === 'passthrough') {
    problems.push({ path: at('unmatched'), message: 'an egress API forwards only the operations its spec declares: unmatched must be reject' });
  }
  return problems;
}

/**
 * The provider's spec as the gateway enforces it on an egress API. Its `security` says how the
 * provider authenticates the gateway (the credentials it injects), not how internal callers
 * authenticate: callers' requirements come from `policies.authentication.fallback` only.
 */
export function egressSpecView(spec: LoadedSpec): LoadedSpec {
  return {
    ...spec,
    locate: spec.locate.bind(spec),
    security: [],
    operations: spec.operations.map((op) => ({ ...op, security: [] })),
  };
}

function trimSlash(p: string): string {
  return p.endsWith('/') ? p.slice(0, -1) : p;
}
