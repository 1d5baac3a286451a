import type { ConnectionOptions } from 'node:tls';
import type { buildConnector } from 'undici';
import type { ApiConfig } from '../config/types.js';
import type { Denial } from '../errors/index.js';
import type { GatewayServices } from '../gateway/services.js';
import { addressGuard } from './address.js';
import type { EgressConfig } from './config.js';
import { guardedConnector } from './connector.js';

/** One egress API, compiled: what the proxy does differently when the upstream is a third party. */
export interface EgressRuntime {
  readonly config: EgressConfig;
  readonly monitor: boolean;
  /** The path the API is mounted at on the gateway, taken off before the provider's server path is put on. */
  readonly mount: string;
  /** Credential headers the gateway sets (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** Credential query parameters, encoded, to append (`api_key=...`), '' for none. */
  readonly query: string;
  /** The provider's origin (`https://api.example.com`): the only one a redirect may go to. */
  readonly origin: string;
  /** Makes the upstream pool's connector from its TLS options: destination guard, verification, pins. */
  readonly connector: (tls: ConnectionOptions) => buildConnector.connector;
  /** Where a redirect from the provider leads, judged: a path on the pinned origin, or a refusal. */
  redirect(location: string, from: string): { readonly path: string } | { readonly denial: Denial };
}

export function compileEgress(api: ApiConfig, mount: string, services: GatewayServices): EgressRuntime {
  const config = api.egress as EgressConfig;
  const origin = api.upstream.origin;
  const headers: Record<string, string> = {};
  const query: string[] = [];
  for (const c of config.credentials) {
    if ('header' in c) headers[c.header] = c.value;
    else query.push(`${encodeURIComponent(c.query)}=${encodeURIComponent(c.value)}`);
  }
  const monitor = config.mode === 'monitor';
  const refused = services.metrics.egressRefusals;
  const guard = addressGuard(config.allowPrivate);
  const connector = (tls: ConnectionOptions): buildConnector.connector => guardedConnector({
    guard,
    pins: config.pins,
    timeoutMs: api.upstream.connectTimeoutMs,
    tls,
    // The connection is refused in either mode: monitor mode never opens a connection to an internal address.
    onRefused(reason, detail) {
      refused.labels(api.name, reason, 'enforce').inc();
      services.logger.warn({ api: api.name, reason, detail }, 'egress connection refused');
    },
  });
  return {
    config,
    monitor,
    mount,
    headers,
    query: query.join('&'),
    origin,
    connector,
    redirect(location, from) {
      let url: URL;
      try {
        url = new URL(location, origin + from);
      } catch {
        return { denial: { code: 'GH_EGRESS_REDIRECT_REFUSED', detail: 'the provider redirected to an unreadable location' } };
      }
      // Another host, another port, or https downgraded to http: never followed, never passed on
      // (a caller following it would reach what the gateway guards: 127.0.0.1, 169.254.169.254).
      if (url.origin !== origin) {
        return { denial: { code: 'GH_EGRESS_REDIRECT_REFUSED', detail: 'the provider redirected to another origin' } };
      }
      return { path: url.pathname + url.search };
    },
  };
}
