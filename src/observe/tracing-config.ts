import type { RawProblem } from '../config/problem.js';
import { DURATION_SCHEMA, parseDuration } from '../config/units.js';

/** OpenTelemetry tracing (docs/protocols.md); absent: no tracer exists and requests pay nothing. */
export interface TracingConfig {
  /** OTLP/HTTP traces endpoint, the full URL (`http://collector:4318/v1/traces`). */
  readonly endpoint: string;
  /** Sent with every export (a collector's or vendor's API key); values may be `${secret:…}`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  /** Share of new traces recorded (0..1); a caller's traceparent decides for the traces it continues. */
  readonly sampleRatio: number;
  readonly timeoutMs: number;
}

export const TRACING_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoint'],
  properties: {
    endpoint: { type: 'string', pattern: '^https?://[^/?#]+(/[^?#]*)?$', 'x-hint': 'must be the http:// or https:// URL of an OTLP/HTTP traces endpoint, such as http://127.0.0.1:4318/v1/traces' },
    headers: { type: 'object', propertyNames: { pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$' }, additionalProperties: { type: 'string' } },
    serviceName: { type: 'string', minLength: 1 },
    sampleRatio: { type: 'number', minimum: 0, maximum: 1 },
    timeout: DURATION_SCHEMA,
  },
} as const;

export function normalizeTracing(raw: Record<string, unknown> | undefined, problems: RawProblem[]): TracingConfig | undefined {
  if (raw === undefined) return undefined;
  const endpoint = raw.endpoint as string;
  // A bare collector address exports to `/`, which collectors answer with 404: every span lost.
  if (/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
    problems.push({ path: ['tracing', 'endpoint'], message: `"${endpoint}" has no path: OTLP/HTTP takes traces at /v1/traces (${endpoint.replace(/\/$/, '')}/v1/traces)` });
  }
  return {
    endpoint,
    headers: (raw.headers ?? {}) as Record<string, string>,
    serviceName: (raw.serviceName as string | undefined) ?? 'gatehouse',
    sampleRatio: (raw.sampleRatio as number | undefined) ?? 1,
    timeoutMs: raw.timeout === undefined ? 10_000 : parseDuration(raw.timeout as string | number) ?? 10_000,
  };
}
