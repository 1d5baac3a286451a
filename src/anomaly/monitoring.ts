import type { GatehouseConfig } from '../config/types.js';
import type { RequestContext } from '../gateway/context.js';
import type { GatewayServices } from '../gateway/services.js';
import { InventoryRecorder } from '../inventory/recorder.js';
import { observe, type Observation } from '../inventory/observation.js';
import { takeShapes } from '../inventory/policy.js';
import { BufferedRecords } from '../store/index.js';
import { AlertDispatcher } from './dispatch.js';
import { Detectors } from './detectors.js';
import { registerRevocations } from './registry.js';
import { RevocationList } from './revocations.js';
import { olderApiVersions } from './versions.js';

/** Refusals the revocation policy made: already handled, and feeding them back would re-alert. */
const SELF_CODES = new Set(['GH_BLOCKED', 'GH_AUTHN_REVOKED']);

export interface MonitoringOptions {
  /** Clock for observations (tests); Date.now by default. */
  readonly now?: () => number;
  /** How often queued observations are processed; default 200 ms. */
  readonly tickMs?: number;
  /** Observations queued at most; beyond, new ones are dropped and counted. Default 50 000. */
  readonly queueCapacity?: number;
}

/**
 * The gateway's observe side: one observer that copies a fixed-shape observation into a
 * bounded queue; a timer that hands queued observations to the inventory recorder and the
 * detectors; alerts to their sinks and automatic responses. Started once per gateway; survives
 * reloads (the settings of the config it started with apply until restart).
 */
export class Monitoring {
  readonly revocations: RevocationList;
  readonly recorder: InventoryRecorder | undefined;
  readonly alerts: AlertDispatcher;
  private readonly detectors: Detectors | undefined;
  private readonly buffer: BufferedRecords;
  private queue: Observation[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly capacity: number;
  private dropped = 0;

  private constructor(config: GatehouseConfig, private readonly services: GatewayServices, options: MonitoringOptions) {
    this.now = options.now ?? Date.now;
    this.capacity = options.queueCapacity ?? 50_000;
    const logger = services.logger;
    this.buffer = new BufferedRecords(services.store.records, { onError: (err) => logger.warn({ err }, 'inventory/alert records not stored yet; retrying') });
    this.revocations = new RevocationList(services.store, this.now);
    this.recorder = config.inventory.enabled ? new InventoryRecorder(this.buffer, config.inventory.flushIntervalMs) : undefined;
    this.detectors = config.monitoring.enabled ? new Detectors(config.monitoring.detectors, olderApiVersions(config)) : undefined;
    this.alerts = new AlertDispatcher(config.monitoring, { logger, buffer: this.buffer, revocations: this.revocations, now: this.now });
    this.timer = setInterval(() => this.tick(), options.tickMs ?? 200);
    this.timer.unref();
  }

  static async start(config: GatehouseConfig, services: GatewayServices, options: MonitoringOptions = {}): Promise<Monitoring> {
    const monitoring = new Monitoring(config, services, options);
    try {
      await monitoring.revocations.start();
    } catch (error) {
      // The gateway still starts: revocations added later arrive by pub/sub, and the resync retries.
      services.logger.error({ err: error }, 'could not load the revocation list from the store');
    }
    registerRevocations(services, monitoring.revocations);
    if (monitoring.recorder !== undefined || monitoring.detectors !== undefined) services.observers.push(monitoring.observer);
    return monitoring;
  }

  /** The per-request observer: a fixed-shape copy into a bounded queue, nothing more. */
  readonly observer = (ctx: RequestContext): void => {
    if (this.queue.length >= this.capacity) { this.dropped++; return; }
    this.queue.push(observe(ctx, this.now(), takeShapes(ctx)));
  };

  /** Processes what is queued now (the timer does this; tests call it to skip waiting). */
  tick(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    for (const o of batch) {
      this.recorder?.add(o);
      if (this.detectors === undefined || (o.code !== undefined && SELF_CODES.has(o.code))) continue;
      for (const draft of this.detectors.feed(o)) this.alerts.raise(draft);
    }
  }

  /** Processes the queue, writes inventory rows and alerts, and waits for deliveries in flight. */
  async flush(): Promise<void> {
    this.tick();
    this.recorder?.flush();
    await this.alerts.settle();
    await this.buffer.flush();
  }

  stats(): { queued: number; dropped: number } {
    return { queued: this.queue.length, dropped: this.dropped };
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const index = this.services.observers.indexOf(this.observer);
    if (index !== -1) this.services.observers.splice(index, 1);
    try {
      await this.flush();
      this.recorder?.close();
      await this.buffer.close();
    } catch (error) {
      this.services.logger.error({ err: error, pending: this.buffer.stats().pending }, 'inventory records lost at shutdown: the store did not take them');
    }
    await this.revocations.close().catch(() => undefined);
  }
}
