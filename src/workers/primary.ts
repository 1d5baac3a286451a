import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { GatehouseConfig } from '../config/types.js';
import { createLogger } from '../observe/logger.js';
import { createStore, type Store } from '../store/index.js';
import { isGatehouseMessage, type Channel, type PrimaryMessage, type WorkerMessage } from './protocol.js';
import { StoreHost } from './store-host.js';
import { primaryHostedEngine, SLOT_ENV } from './worker.js';

/** Back-off between restarts of a worker that keeps crashing: doubles from the first to the last. */
const RESTART_FIRST_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A worker that served this long before it died starts its back-off afresh. */
const HEALTHY_AFTER_MS = 60_000;
/** Workers that have not answered a reload step in this time count as refusing it. */
const RELOAD_STEP_MS = 120_000;
const METRICS_TIMEOUT_MS = 4_000;

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  channel: Channel | undefined;
  ready: boolean;
  startedAt: number;
  /** Consecutive quick deaths: the exponent of the back-off. */
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

/** What a worker said, or that it exited (a reply that will not come). */
interface Reply { readonly slot: Slot; readonly message: WorkerMessage | { readonly gh: 'exit' } }

const EXITED = { gh: 'exit' } as const;

function channelOf(worker: Worker): Channel {
  return {
    send(message) {
      if (!worker.isConnected()) throw new Error('the worker is gone');
      worker.send(message);
    },
    onMessage(handler) {
      worker.on('message', handler);
      return () => { worker.off('message', handler); };
    },
  };
}

/**
 * The primary of `workers: N`: it serves no request itself. It forks the workers (which share
 * the listening sockets through node:cluster), restarts one that dies with a back-off, keeps the
 * memory or SQLite store that every worker uses through it, runs reloads as two steps over all
 * workers (prepare everywhere, then switch everywhere, or abort everywhere), sums the workers'
 * metrics for `/metrics`, and drains every worker on SIGTERM.
 */
export class Primary {
  private readonly slots: Slot[];
  private readonly logger: Logger;
  private store: Store | undefined;
  private host: StoreHost | undefined;
  private stopping = false;
  private started = false;
  private gen = 0;
  private reloading: Promise<boolean> | undefined;
  private queued: Promise<boolean> | undefined;
  private readonly listeners = new Set<(reply: Reply) => void>();
  private servingDigest: string | undefined;
  private readonly registry = new Registry();
  private readonly liveGauge: Gauge;
  private readonly restarts: Counter;
  private exits: (() => void) | undefined;
  private collectId = 0;
  /** The listeners' addresses, as the first worker that started reported them. */
  readonly addresses: Record<string, AddressInfo> = {};

  private constructor(private readonly config: GatehouseConfig, logger: Logger) {
    this.logger = logger;
    this.slots = Array.from({ length: config.workers ?? 1 }, (_, index) => ({ index, worker: undefined, channel: undefined, ready: false, startedAt: 0, failures: 0, timer: undefined }));
    this.liveGauge = new Gauge({ name: 'gatehouse_workers', help: 'Worker processes serving, and the number configured.', labelNames: ['state'], registers: [this.registry] });
    this.restarts = new Counter({ name: 'gatehouse_worker_restarts_total', help: 'Workers that died and were started again.', registers: [this.registry] });
    this.liveGauge.labels('configured').set(this.slots.length);
  }

  /**
   * Starts every worker and resolves once all of them serve. A worker that cannot start (its
   * configuration does not load, a port is taken) stops them all: the start fails closed.
   */
  static async start(config: GatehouseConfig): Promise<Primary> {
    const logger = createLogger({ level: config.logging.level, redact: config.logging.redact, secretValues: config.secretValues });
    const primary = new Primary(config, logger);
    await primary.begin();
    return primary;
  }

  private async begin(): Promise<void> {
    if (primaryHostedEngine(this.config.store) !== undefined) {
      this.store = await createStore(this.config.store);
      this.host = new StoreHost(this.store);
    }
    // Structured clone: store calls carry `undefined` (an absent TTL) that JSON would turn into null.
    cluster.setupPrimary({ serialization: 'advanced' });
    const ready = Promise.all(this.slots.map((slot) => this.waitReady(slot)));
    for (const slot of this.slots) this.fork(slot);
    const ok = await ready;
    if (!ok.every(Boolean)) {
      await this.stop();
      throw new Error('a worker could not start: see its error above; not starting');
    }
    this.started = true;
    this.logger.info({ workers: this.slots.length, pid: process.pid, store: primaryHostedEngine(this.config.store) ?? 'shared', ...this.addresses }, 'workers started');
  }

  private waitReady(slot: Slot): Promise<boolean> {
    return new Promise((resolve) => {
      const listener = (reply: Reply): void => {
        if (reply.slot !== slot) return;
        if (reply.message.gh === 'ready') { this.listeners.delete(listener); resolve(true); }
        if (reply.message.gh === 'exit') { this.listeners.delete(listener); resolve(false); }
      };
      this.listeners.add(listener);
    });
  }

  private emit(reply: Reply): void {
    for (const listener of [...this.listeners]) listener(reply);
  }

  private fork(slot: Slot): void {
    slot.timer = undefined;
    const worker = cluster.fork({ [SLOT_ENV]: String(slot.index) });
    const channel = channelOf(worker);
    slot.worker = worker;
    slot.channel = channel;
    slot.ready = false;
    slot.startedAt = Date.now();
    this.host?.add(channel);
    worker.on('message', (m: unknown) => {
      if (!isGatehouseMessage<WorkerMessage>(m)) return;
      this.onMessage(slot, m);
    });
    worker.on('exit', (code, signal) => { this.onExit(slot, worker, code, signal); });
  }

  private onMessage(slot: Slot, m: WorkerMessage): void {
    switch (m.gh) {
      case 'ready':
        slot.ready = true;
        Object.assign(this.addresses, m.addresses);
        this.updateGauge();
        if (this.servingDigest === undefined) this.servingDigest = m.digest;
        else if (m.digest !== this.servingDigest) {
          // A (re)started worker read the files as they are now, which are not what the others serve.
          this.logger.warn({ worker: slot.index, pid: slot.worker?.process.pid }, 'a worker loaded configuration files that differ from what the other workers serve: reload (SIGHUP) to bring them together');
        }
        break;
      case 'files-changed':
        void this.reload();
        break;
      case 'metrics':
        void this.metricsText().then((text) => this.tell(slot, { gh: 'metrics-text', id: m.id, text }), (error: unknown) => this.tell(slot, { gh: 'metrics-text', id: m.id, error: error instanceof Error ? error.message : String(error) }));
        break;
      default:
    }
    this.emit({ slot, message: m });
  }

  private tell(slot: Slot, message: PrimaryMessage): boolean {
    try {
      slot.channel?.send(message);
      return slot.channel !== undefined;
    } catch {
      return false;
    }
  }

  private onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    const channel = slot.channel;
    slot.channel = undefined;
    if (channel !== undefined) void this.host?.remove(channel);
    this.updateGauge();
    this.emit({ slot, message: EXITED });
    if (this.stopping) {
      if (this.slots.every((s) => s.worker === undefined)) this.exits?.();
      return;
    }
    if (!this.started) return;
    const lived = Date.now() - slot.startedAt;
    slot.failures = lived >= HEALTHY_AFTER_MS ? 0 : slot.failures + 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** Math.max(0, slot.failures - 1));
    this.logger.error({ worker: slot.index, pid: worker.process.pid, code, signal, restartInMs: delay }, 'a worker died: starting it again');
    this.restarts.inc();
    slot.timer = setTimeout(() => { if (!this.stopping) this.fork(slot); }, delay);
  }

  private updateGauge(): void {
    this.liveGauge.labels('serving').set(this.slots.filter((s) => s.ready).length);
  }

  /**
   * Reloads every worker or none: each compiles the files beside what it serves and says whether
   * it can switch; only when every serving worker can, on the same files (same digest), are all
   * told to switch. A reload asked for while one runs starts when it ends.
   */
  reload(): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    if (this.reloading === undefined) {
      this.reloading = this.reloadAll().finally(() => { this.reloading = undefined; });
      return this.reloading;
    }
    const after = (): Promise<boolean> => {
      this.queued = undefined;
      return this.reload();
    };
    this.queued ??= this.reloading.then(after, after);
    return this.queued;
  }

  private async reloadAll(): Promise<boolean> {
    const gen = ++this.gen;
    const slots = this.slots.filter((s) => s.ready);
    const answers = await this.ask(slots, 'prepared', gen, (slot) => this.tell(slot, { gh: 'prepare', gen }));
    const refusals: string[] = [];
    const digests = new Set<string>();
    for (const slot of slots) {
      const answer = answers.get(slot);
      if (answer === undefined) refusals.push(`worker ${slot.index}: no answer (it stopped or took too long)`);
      else if (!answer.ok) refusals.push(...(answer.errors ?? ['refused']).map((e) => `worker ${slot.index}: ${e}`));
      else if (answer.digest !== undefined) digests.add(answer.digest);
    }
    // The files changed between two workers' reads: they would serve different configurations.
    if (refusals.length === 0 && digests.size > 1) refusals.push('the configuration files changed while the workers read them: reload again');
    if (refusals.length > 0) {
      const reason = `not every worker can switch: ${refusals[0] ?? ''}`;
      for (const slot of slots) this.tell(slot, { gh: 'abort', gen, reason });
      this.logger.error({ errors: refusals }, 'reload refused: every worker keeps the configuration it serves');
      return false;
    }
    await this.ask(slots, 'switched', gen, (slot) => this.tell(slot, { gh: 'commit', gen }));
    this.servingDigest = [...digests][0] ?? this.servingDigest;
    this.logger.info({ workers: slots.length }, 'configuration reloaded in every worker');
    return true;
  }

  /** Sends each slot a message and collects its answer of type `gh` for `gen`; a worker that exits or is slow gives none. */
  private ask<G extends 'prepared' | 'switched'>(slots: readonly Slot[], gh: G, gen: number, send: (slot: Slot) => boolean): Promise<Map<Slot, Extract<WorkerMessage, { gh: G }>>> {
    const answers = new Map<Slot, Extract<WorkerMessage, { gh: G }>>();
    return new Promise((resolve) => {
      let left = slots.length;
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(answers);
      };
      const listener = (reply: Reply): void => {
        if (!slots.includes(reply.slot) || answers.has(reply.slot)) return;
        const m = reply.message;
        if (m.gh === gh && (m as { gen?: number }).gen === gen) answers.set(reply.slot, m as Extract<WorkerMessage, { gh: G }>);
        else if (m.gh !== 'exit') return;
        if (--left === 0) done();
      };
      const timer = setTimeout(done, RELOAD_STEP_MS);
      this.listeners.add(listener);
      for (const slot of slots) if (!send(slot)) listener({ slot, message: EXITED });
      if (slots.length === 0) done();
    });
  }

  /** The `gatehouse_*` metrics summed over the workers (gauges of the configuration by their own rule), with the primary's own. */
  async metricsText(): Promise<string> {
    const id = ++this.collectId;
    const live = this.slots.filter((s) => s.ready);
    const parts: object[] = [await this.registry.getMetricsAsJSON()];
    await new Promise<void>((resolve) => {
      let left = live.length;
      const done = (): void => { clearTimeout(timer); this.listeners.delete(listener); resolve(); };
      const listener = (reply: Reply): void => {
        const m = reply.message;
        if (!live.includes(reply.slot)) return;
        if (m.gh === 'metrics-part' && m.id === id) parts.push(m.metrics as object);
        else if (m.gh !== 'exit') return;
        if (--left === 0) done();
      };
      const timer = setTimeout(done, METRICS_TIMEOUT_MS);
      this.listeners.add(listener);
      for (const slot of live) if (!this.tell(slot, { gh: 'collect', id })) listener({ slot, message: EXITED });
      if (live.length === 0) done();
    });
    return AggregatorRegistry.aggregate(parts).metrics();
  }

  /**
   * Drains every worker (each keeps serving for `shutdown.drainDelay` with readiness 503, then
   * finishes its in-flight requests) and closes the store once all have exited. A second call
   * ends the workers' drain delay at once.
   */
  async stop(): Promise<void> {
    if (this.stopping) {
      for (const slot of this.slots) this.tell(slot, { gh: 'hurry' });
      return;
    }
    this.stopping = true;
    for (const slot of this.slots) if (slot.timer !== undefined) clearTimeout(slot.timer);
    const allGone = new Promise<void>((resolve) => {
      this.exits = resolve;
      if (this.slots.every((s) => s.worker === undefined)) resolve();
    });
    for (const slot of this.slots) {
      // A worker still starting has no one listening for the message yet; SIGTERM stops it either way.
      if (slot.ready) this.tell(slot, { gh: 'shutdown' });
      else slot.worker?.process.kill('SIGTERM');
    }
    // A worker that cannot finish within its own deadlines is stopped hard, not waited for forever.
    const { drainDelayMs, timeoutMs } = this.config.shutdown;
    const backstop = setTimeout(() => {
      for (const slot of this.slots) slot.worker?.process.kill('SIGKILL');
    }, drainDelayMs + timeoutMs + 10_000);
    await allGone;
    clearTimeout(backstop);
    await this.store?.close();
    this.logger.info('every worker has stopped');
    this.logger.flush();
  }
}
