import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram, type CounterSeries, type HistogramSeries } from './fast-metrics.js';

/** Buckets in seconds, from sub-millisecond (gateway overhead) to 10 s (slow upstreams). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: FastCounter;
  readonly duration: FastHistogram;
  readonly upstreamDuration: FastHistogram;
  readonly refusals: Counter<'api' | 'operation' | 'code' | 'mode'>;
  readonly strippedFields: Counter<'api' | 'operation'>;
  readonly upstreamErrors: Counter<'api' | 'code'>;
  readonly reloads: Counter<'result'>;
  /** The serving configuration: sha256 of its file, digest of every input file (always one series). */
  readonly configInfo: Gauge<'sha256' | 'inputs'>;
  readonly configLoadedSeconds: Gauge;
  readonly configLastReloadSuccessful: Gauge;
  readonly configLastReloadSeconds: Gauge;
  /** 1 while the files on disk differ from the configuration serving. */
  readonly configOutOfSync: Gauge;
  /** 1 while every folder of the configuration's files has a live watch (0: polling only, or not watching). */
  readonly configWatchUp: Gauge;
  /** Connections the gateway cut before a request reached a handler's answer: slow headers or body, oversized or malformed requests. */
  readonly connectionCuts: Counter<'reason' | 'status'>;
  readonly failOpen: Counter<'policy' | 'dependency'>;
  /** HTTP/2 connections the gateway ended for abuse (rapid reset, PING or SETTINGS flood, protocol errors). */
  readonly http2Goaway: Counter<'reason'>;
  /** Open WebSocket connections, and those ended, by API and reason (docs/protocols.md). */
  readonly websocketOpen: Gauge<'api'>;
  readonly websocketClosed: Counter<'api' | 'reason'>;
  readonly websocketRefused: Counter<'api' | 'code'>;
  readonly certificateDays: Gauge<'use' | 'subject' | 'file'>;
  /** Observations folded into an API's inventory overflow row (its shadow-path cap was reached). */
  readonly inventoryOverflow: Counter<'api'>;
  /** Records deleted by retention, and retention passes that failed, per stream. */
  readonly recordsTrimmed: Counter<'stream'>;
  readonly retentionFailures: Counter<'stream'>;
  /**
   * The direction of every configured API (value 1): `gatehouse_requests_total * on(api)
   * group_left(direction) gatehouse_api_info` labels any per-API series ingress or egress.
   */
  readonly apiInfo: Gauge<'api' | 'direction'>;
  /** What the egress guard refused before or instead of an answer: address, certificate, redirect. */
  readonly egressRefusals: Counter<'api' | 'reason' | 'mode'>;
  /** Bound children per route so the hot path does no label hashing. */
  forRoute(api: string, operation: string): RouteMetrics;
}

export interface RouteMetrics {
  requests(status: number): CounterSeries;
  readonly duration: HistogramSeries;
  readonly upstreamDuration: HistogramSeries;
  refusal(code: string, mode: 'enforce' | 'monitor'): Counter.Internal;
  readonly stripped: Counter.Internal;
}

/*
 * Under workers, /metrics sums every worker's series (src/workers/primary.ts). What describes
 * the configuration says the same in every worker, so it is combined by its own rule instead:
 * one serving configuration reads as 1, a refused reload in any worker as 0, the nearest
 * certificate expiry as the minimum. Reloads are counted per worker; the sum would multiply them.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'gatehouse_process_' });
  const requests = new FastCounter('gatehouse_requests_total', 'Requests answered, by API, operation and status.', ['api', 'operation', 'status'], registry);
  const duration = new FastHistogram('gatehouse_request_duration_seconds', 'Time from request to response end, by API and operation.', ['api', 'operation'], LATENCY_BUCKETS, registry);
  const upstreamDuration = new FastHistogram('gatehouse_upstream_duration_seconds', 'Time to the upstream response headers, by API.', ['api'], LATENCY_BUCKETS, registry);
  const refusals = new Counter({ name: 'gatehouse_refusals_total', help: 'Refusals by code; mode=monitor counts what enforcement would have refused.', labelNames: ['api', 'operation', 'code', 'mode'] as const, registers: [registry] });
  const strippedFields = new Counter({ name: 'gatehouse_response_fields_stripped_total', help: 'Undeclared response properties removed (data minimisation).', labelNames: ['api', 'operation'] as const, registers: [registry] });
  const upstreamErrors = new Counter({ name: 'gatehouse_upstream_errors_total', help: 'Upstream failures by API and error code.', labelNames: ['api', 'code'] as const, registers: [registry] });
  const reloads = new Counter({ name: 'gatehouse_config_reloads_total', help: 'Configuration reloads by result.', labelNames: ['result'] as const, aggregator: 'max', registers: [registry] });
  const configInfo = new Gauge({ name: 'gatehouse_config_info', help: 'The configuration serving: sha256 of the config file (as sha256sum prints it) and the first 16 hex digits of the digest over every file it is made of (specs, key sets, certificates).', labelNames: ['sha256', 'inputs'] as const, aggregator: 'max', registers: [registry] });
  const configLoadedSeconds = new Gauge({ name: 'gatehouse_config_loaded_timestamp_seconds', help: 'When the configuration serving was loaded (Unix time).', aggregator: 'max', registers: [registry] });
  const configLastReloadSuccessful = new Gauge({ name: 'gatehouse_config_last_reload_successful', help: '1 when the last reload (or the start) succeeded, 0 when it was refused and the previous configuration kept serving.', aggregator: 'min', registers: [registry] });
  const configLastReloadSeconds = new Gauge({ name: 'gatehouse_config_last_reload_timestamp_seconds', help: 'When the last reload was attempted, or the gateway started (Unix time).', aggregator: 'max', registers: [registry] });
  const configOutOfSync = new Gauge({ name: 'gatehouse_config_out_of_sync', help: '1 while the configuration files on disk differ from the configuration serving (a refused reload, or watching is off).', aggregator: 'max', registers: [registry] });
  const configWatchUp = new Gauge({ name: 'gatehouse_config_watch_up', help: '1 while every folder holding a configuration file is watched; 0 while changes are found by polling only.', aggregator: 'max', registers: [registry] });
  const connectionCuts = new Counter({ name: 'gatehouse_connections_cut_total', help: 'Connections cut by the gateway before a normal answer, by reason (header_timeout, body_timeout, headers_too_large, smuggling, malformed) and the status sent (0: none could be sent).', labelNames: ['reason', 'status'] as const, registers: [registry] });
  const http2Goaway = new Counter({ name: 'gatehouse_http2_goaway_total', help: 'HTTP/2 connections closed by the gateway for abuse, by reason (rapid_reset, ping_flood, settings_flood, protocol_error).', labelNames: ['reason'] as const, registers: [registry] });
  const websocketOpen = new Gauge({ name: 'gatehouse_websocket_connections', help: 'WebSocket connections open now, by API.', labelNames: ['api'] as const, registers: [registry] });
  const websocketClosed = new Counter({ name: 'gatehouse_websocket_closed_total', help: 'WebSocket connections ended, by API and reason (client, upstream, idle, message_too_large, revoked, protocol_error, shutdown).', labelNames: ['api', 'reason'] as const, registers: [registry] });
  const websocketRefused = new Counter({ name: 'gatehouse_websocket_refused_total', help: 'WebSocket handshakes refused, by API and code.', labelNames: ['api', 'code'] as const, registers: [registry] });
  const failOpen = new Counter({ name: 'gatehouse_fail_open_total', help: 'Requests let through because a policy dependency failed and the policy is set to fail open.', labelNames: ['policy', 'dependency'] as const, registers: [registry] });

  const inventoryOverflow = new Counter({ name: 'gatehouse_inventory_overflow_total', help: 'Unmatched requests folded into their API\'s inventory overflow row because it has inventory.maxShadowPaths shadow paths already.', labelNames: ['api'] as const, registers: [registry] });
  const recordsTrimmed = new Counter({ name: 'gatehouse_records_trimmed_total', help: 'Records deleted by retention (retention.*.maxAge, maxRecords), per stream.', labelNames: ['stream'] as const, registers: [registry] });
  const retentionFailures = new Counter({ name: 'gatehouse_retention_failures_total', help: 'Retention passes that could not delete old records (store unavailable), per stream.', labelNames: ['stream'] as const, registers: [registry] });
  const certificateDays = new Gauge({ name: 'gatehouse_certificate_expiry_days', help: 'Days until each certificate in use expires (listener, client CA, upstream).', labelNames: ['use', 'subject', 'file'] as const, aggregator: 'min', registers: [registry] });
  const apiInfo = new Gauge({ name: 'gatehouse_api_info', help: 'One series per configured API with its direction (ingress or egress); join on api to label other series.', labelNames: ['api', 'direction'] as const, aggregator: 'max', registers: [registry] });
  const egressRefusals = new Counter({ name: 'gatehouse_egress_refusals_total', help: 'Egress destinations, certificates and redirects refused (mode=monitor: recorded, not refused).', labelNames: ['api', 'reason', 'mode'] as const, registers: [registry] });
  const forRoute = (api: string, operation: string): RouteMetrics => {
    const byStatus = new Map<number, CounterSeries>();
    const byRefusal = new Map<string, Counter.Internal>();
    return {
      requests(status) {
        let child = byStatus.get(status);
        if (child === undefined) {
          child = requests.child(api, operation, String(status));
          byStatus.set(status, child);
        }
        return child;
      },
      duration: duration.child(api, operation),
      upstreamDuration: upstreamDuration.child(api),
      refusal(code, mode) {
        const key = mode === 'enforce' ? code : `${code}|m`;
        let child = byRefusal.get(key);
        if (child === undefined) {
          child = refusals.labels(api, operation, code, mode);
          byRefusal.set(key, child);
        }
        return child;
      },
      stripped: strippedFields.labels(api, operation),
    };
  };
  return { registry, requests, duration, upstreamDuration, refusals, strippedFields, upstreamErrors, reloads, configInfo, configLoadedSeconds, configLastReloadSuccessful, configLastReloadSeconds, configOutOfSync, configWatchUp, connectionCuts, failOpen, http2Goaway, websocketOpen, websocketClosed, websocketRefused, certificateDays, inventoryOverflow, recordsTrimmed, retentionFailures, apiInfo, egressRefusals, forRoute };
}
