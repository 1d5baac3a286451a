import { DURATION_SCHEMA, SIZE_SCHEMA, parseDuration, parseSize } from './units.js';

/**
 * HTTP/2 and WebSocket settings (docs/protocols.md): their schema, normalised shape and defaults.
 * The HTTP/2 limits are per connection; the defaults are what the gateway needs to withstand the
 * known HTTP/2 floods (CVE-2023-44487 rapid reset, PING and SETTINGS floods) without a knob turned.
 */
export interface Http2Limits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS announced to clients; a stream past it is refused (REFUSED_STREAM). */
  readonly maxConcurrentStreams: number;
  /** Streams a client may cancel before their answer, as a burst, and per second after it (rapid reset). */
  readonly maxResetsBurst: number;
  readonly maxResetsPerSecond: number;
  /** PING and SETTINGS frames a client may send, as a burst and per second. */
  readonly maxPingsPerSecond: number;
  readonly maxSettingsPerSecond: number;
  /** A connection with no frames for this long is closed with GOAWAY. */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_HTTP2_LIMITS: Http2Limits = {
  maxConcurrentStreams: 100,
  maxResetsBurst: 200,
  maxResetsPerSecond: 100,
  maxPingsPerSecond: 10,
  maxSettingsPerSecond: 10,
  idleTimeoutMs: 120_000,
};

export const HTTP2_LIMITS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxConcurrentStreams: { type: 'integer', minimum: 1, maximum: 10_000 },
    maxResetsBurst: { type: 'integer', minimum: 1 },
    maxResetsPerSecond: { type: 'integer', minimum: 1 },
    maxPingsPerSecond: { type: 'integer', minimum: 1 },
    maxSettingsPerSecond: { type: 'integer', minimum: 1 },
    idleTimeout: DURATION_SCHEMA,
  },
};

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function normalizeHttp2Limits(raw: Raw | undefined): Http2Limits {
  const d = DEFAULT_HTTP2_LIMITS;
  if (raw === undefined) return d;
  return {
    maxConcurrentStreams: raw.maxConcurrentStreams ?? d.maxConcurrentStreams,
    maxResetsBurst: raw.maxResetsBurst ?? d.maxResetsBurst,
    maxResetsPerSecond: raw.maxResetsPerSecond ?? d.maxResetsPerSecond,
    maxPingsPerSecond: raw.maxPingsPerSecond ?? d.maxPingsPerSecond,
    maxSettingsPerSecond: raw.maxSettingsPerSecond ?? d.maxSettingsPerSecond,
    idleTimeoutMs: raw.idleTimeout === undefined ? d.idleTimeoutMs : parseDuration(raw.idleTimeout) ?? d.idleTimeoutMs,
  };
}

/** WebSocket upgrades of one API: which operations may upgrade and the limits on their sockets. */
export interface WebSocketConfig {
  /** operationIds of the GET operations that may be upgraded. */
  readonly operations: readonly string[];
  /** Allowed `Origin` values (scheme://host[:port]); empty: a handshake with an Origin is refused, one without passes. */
  readonly origins: readonly string[];
  readonly maxMessageBytes: number;
  readonly idleTimeoutMs: number;
  /** Open sockets per identity (subject) on this API; per client address when anonymous. */
  readonly maxConnectionsPerIdentity: number;
}

export const WEBSOCKET_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['operations'],
  properties: {
    operations: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, 'x-hint': 'must list the operationIds that may be upgraded to WebSocket' },
    origins: { type: 'array', items: { type: 'string', pattern: '^https?://[^/?#]+$', 'x-hint': 'must be an origin such as https://app.example.com (no path)' } },
    maxMessageBytes: SIZE_SCHEMA,
    idleTimeout: DURATION_SCHEMA,
    maxConnectionsPerIdentity: { type: 'integer', minimum: 1 },
  },
};

export function normalizeWebSocket(raw: Raw | undefined): WebSocketConfig | undefined {
  if (raw === undefined) return undefined;
  return {
    operations: raw.operations as string[],
    origins: ((raw.origins ?? []) as string[]).map((o) => o.toLowerCase()),
    maxMessageBytes: raw.maxMessageBytes === undefined ? 1024 * 1024 : parseSize(raw.maxMessageBytes) ?? 1024 * 1024,
    idleTimeoutMs: raw.idleTimeout === undefined ? 60_000 : parseDuration(raw.idleTimeout) ?? 60_000,
    maxConnectionsPerIdentity: raw.maxConnectionsPerIdentity ?? 10,
  };
}
