import { RELOAD_STREAM } from '../admin/reloads.js';
import { ALERT_STREAM } from '../anomaly/dispatch.js';
import type { GatehouseConfig } from '../config/types.js';
import { identityConfigOf } from '../identity/runtime.js';
import { INVENTORY_STREAM } from '../inventory/rows.js';
import { FINDINGS_STREAM, REPORT_STREAM } from '../reports/stored.js';
import { RetentionJob, type RetentionTarget } from '../store/retention.js';
import type { GatewayServices } from './services.js';

/** The records streams the gateway writes and retention trims, with their bounds from `retention:`. */
export function retentionTargets(config: GatehouseConfig): RetentionTarget[] {
  const r = config.retention;
  return [
    { stream: INVENTORY_STREAM, ...r.inventory },
    { stream: identityConfigOf(config).audit.stream, ...r.decisions },
    { stream: ALERT_STREAM, ...r.alerts },
    { stream: REPORT_STREAM, ...r.reports },
    { stream: FINDINGS_STREAM, ...r.reports },
    { stream: RELOAD_STREAM, ...r.reloads },
  ];
}

/** Starts trimming the gateway's records streams on their schedule (docs/operations.md, "Retention"). */
export function startRetention(config: GatehouseConfig, services: GatewayServices): RetentionJob {
  const { metrics, logger, store } = services;
  const job = new RetentionJob(store, retentionTargets(config), config.retention.intervalMs, {
    logger,
    onTrimmed: (stream, n) => metrics.recordsTrimmed.labels(stream).inc(n),
    onFailure: (stream) => metrics.retentionFailures.labels(stream).inc(),
  });
  job.start();
  return job;
}
