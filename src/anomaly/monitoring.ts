import type { GatehouseConfig } from '../config/types.js';
import type { RequestContext } from '../gateway/context.js';
import type { GatewayServices } from '../gateway/services.js';
import { InventoryRecorder } from '../inventory/recorder.js';
import { observe, ObservationSlot } from '../inventory/observation.js';
import { takeShapes } from '../inventory/policy.js';
import { VersionRule, type VersionedApi } from '../inventory/versions.js';
import { BufferedRecords } from '../store/index.js';
import type { AlertDraft } from './alert.js';
import { AlertDispatcher } from './dispatch.js';
import { Detectors } from './detectors.js';
import { registerRevocations } from './registry.js';
import { RevocationList } from './revocations.js';

/**
 * Refusals of revoked callers: already handled, and feeding them back would re-alert. A blocked
 * address is told GH_BLOCKED; a revoked credential is told GH_AUTHN_INVALID like any bad one,
 * and only the decision note holds its real code.
 */
function selfInflicted(ctx: RequestContext, code: string | undefined): boolean {
  return code === 'GH_BLOCKED' || (code !== undefined && ctx.decisionNote?.code === 'GH_AUTHN_REVOKED');
}

const DRAIN_EVERY_MS = 10_000;

function egressNames(apis: readonly { readonly name: string; readonly direction?: 'ingress' | 'egress' }[]): ReadonlySet<string> {
  return new Set(apis.filter((a) => a.direction === 'egress').map((a) => a.name));
}

export interface MonitoringOptions {
  /** Clock for observations (tests); Date.now by default. */
  readonly now?: () => number;
}

/**
 * The gateway's observe side: one observer, run after each answer is sent, that fills a reused
 * observation slot and hands it to the inventory recorder and the detectors; alerts to their
 * sinks and automatic responses. Started once per gateway; survives reloads (the settings of the
 * config it started with apply until restart).
 *
 * Observations are processed as they come rather than queued for a timer: measured with `npm
 * run bench`, a queue of per-request objects cost more in the garbage collector (each lived
 * through a collection or two) than the recorder and the detectors cost in processing, which is
 * a few map updates per request. Neither does I/O: rows and alerts leave through buffers.
 */
export class Monitoring {
  readonly revocations: RevocationList;
  readonly recorder: InventoryRecorder | undefined;
  readonly alerts: AlertDispatcher;
  private readonly detectors: Detectors | undefined;
  private readonly buffer: BufferedRecords;
  private readonly now: () => number;
  /** Read only until the detectors return: alerts are raised from their own copies. */
  private readonly slot = new ObservationSlot();
  private drainTimer: NodeJS.Timeout | undefined;
  /** Names of the egress APIs of the config serving (useApis follows reloads). */
  private egressApis: ReadonlySet<string>;

  private constructor(config: GatehouseConfig, private readonly services: GatewayServices, options: MonitoringOptions) {
    this.now = options.now ?? Date.now;
    this.egressApis = egressNames(config.apis);
    const logger = services.logger;
    this.buffer = new BufferedRecords(services.store.records, { onError: (err) => logger.warn({ err }, 'inventory/alert records not stored yet; retrying') });
    this.revocations = new RevocationList(services.store, this.now);
    // API names come from the config: the children per API are few, bound once each.
    const overflow = new Map<string, { inc(): void }>();
    const onOverflow = (api: string): void => {
      let child = overflow.get(api);
      if (child === undefined) overflow.set(api, (child = services.metrics.inventoryOverflow.labels(api)));
      child.inc();
    };
    this.recorder = config.inventory.enabled
      ? new InventoryRecorder(this.buffer, config.inventory.flushIntervalMs, { maxPaths: config.inventory.maxShadowPaths, onOverflow })
      : undefined;
    // Until the specs are loaded (useApis), only the API-name rule of versions applies.
    this.detectors = config.monitoring.enabled
      ? new Detectors(config.monitoring.detectors, { minConfidence: config.monitoring.confidence.alert, respondConfidence: config.monitoring.confidence.respond, versions: new VersionRule(config.apis.map((a) => ({ config: a, spec: { basePaths: [], operations: [] } }))) })
      : undefined;
    this.alerts = new AlertDispatcher(config.monitoring, { logger, buffer: this.buffer, revocations: this.revocations, now: this.now });
    if (this.detectors !== undefined) {
      // Grouped alerts (shadow, zombie) are raised once their gathering time is over, also when
      // no request comes after them.
      this.drainTimer = setInterval(() => this.raise(this.detectors?.drain(this.now()) ?? []), DRAIN_EVERY_MS);
      this.drainTimer.unref();
    }
  }

  /** The compiled APIs, so zombie traffic follows the inventory's path-version rule. */
  useApis(apis: readonly (VersionedApi & { readonly config: { readonly direction?: 'ingress' | 'egress' } })[]): void {
    this.detectors?.useVersions(new VersionRule(apis));
    this.egressApis = egressNames(apis.map((a) => a.config));
  }

  private raise(drafts: readonly AlertDraft[]): void {
    const egress = this.egressApis;
    for (let i = 0; i < drafts.length; i++) {
      const draft = drafts[i] as AlertDraft;
      // Alerts about a third party's API say so: an enumeration through an egress API is one of
      // our services scraping the provider (or spending our quota), not an outsider probing us.
      this.alerts.raise(egress.size > 0 && egress.has(draft.api) ? { ...draft, direction: 'egress' } : draft);
    }
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

  /** The per-request observer: records and checks one observation, then forgets it. */
  readonly observer = (ctx: RequestContext): void => {
    const o = observe(ctx, this.now(), takeShapes(ctx), this.slot);
    this.recorder?.add(o);
    if (this.detectors === undefined || selfInflicted(ctx, o.code)) return;
    const drafts = this.detectors.feed(o);
    if (drafts.length > 0) this.raise(drafts);
  };

  /** Writes inventory rows and alerts, and waits for deliveries in flight. */
  async flush(): Promise<void> {
    if (this.detectors !== undefined) this.raise(this.detectors.drain(this.now(), true));
    this.recorder?.flush();
    await this.alerts.settle();
    await this.buffer.flush();
  }

  async close(): Promise<void> {
    const index = this.services.observers.indexOf(this.observer);
    if (index !== -1) this.services.observers.splice(index, 1);
    clearInterval(this.drainTimer);
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
