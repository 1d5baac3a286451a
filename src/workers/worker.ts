import { loadConfig } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { Gateway, type PreparedReload } from '../gateway/gateway.js';
import { createLogger } from '../observe/logger.js';
import { createMetrics } from '../observe/metrics.js';
import type { Store, StoreConfig } from '../store/index.js';
import { createChannelStore } from './channel-store.js';
import { isGatehouseMessage, type Channel, type PrimaryMessage, type WorkerMessage } from './protocol.js';

/** The environment variable that tells a worker its slot (0 watches the configuration files). */
export const SLOT_ENV = 'GATEHOUSE_WORKER_SLOT';

/** How long a worker waits for the summed metrics before answering with an error. */
const METRICS_TIMEOUT_MS = 5_000;

/** The engines whose state lives in one process: under workers they are served by the primary. */
export function primaryHostedEngine(store: StoreConfig): 'memory' | 'sqlite' | undefined {
  if ('memory' in store) return 'memory';
  if ('sqlite' in store) return 'sqlite';
  return undefined;
}

/** This process's end of the cluster IPC channel. */
function processChannel(): Channel {
  return {
    send(message) {
      if (process.send === undefined || !process.connected) throw new Error('the channel to the primary is closed');
      process.send(message);
    },
    onMessage(handler) {
      process.on('message', handler);
      return () => { process.off('message', handler); };
    },
  };
}

/**
 * One worker: the gateway of a single process, with its store reached through the primary when
 * the engine keeps its state in one process, its metrics summed with the other workers' on
 * `/metrics`, and its reloads and shutdown driven by the primary.
 */
async function runWorker(config: GatehouseConfig, options: { watch: boolean }): Promise<Gateway> {
  const channel = processChannel();
  const slot = Number(process.env[SLOT_ENV] ?? '0');
  const engine = primaryHostedEngine(config.store);
  const store: Store | undefined = engine === undefined ? undefined : createChannelStore(channel, engine);
  const metrics = createMetrics();
  // Every line says which worker wrote it: a crash or a refusal is then traced to its process.
  const logger = createLogger({ level: config.logging.level, redact: config.logging.redact, secretValues: config.secretValues }).child({ worker: slot, pid: process.pid });
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const send = (message: WorkerMessage): void => {
    try { channel.send(message); } catch { /* the primary is gone: the disconnect handler stops this worker */ }
  };
  const metricsText = (): Promise<string> => new Promise((resolve, reject) => {
    const id = ++nextId;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('no metrics from the primary in time'));
    }, METRICS_TIMEOUT_MS);
    waiting.set(id, { resolve: (t) => { clearTimeout(timer); resolve(t); }, reject: (e) => { clearTimeout(timer); reject(e); } });
    send({ gh: 'metrics', id });
  });

  let gateway: Gateway;
  try {
    gateway = await Gateway.start(config, {
      logger,
      metrics,
      metricsText,
      ...(store === undefined ? {} : { store }),
      retention: slot === 0,
      // Worker 0 also records the cluster's starts and reloads (a refusal by any worker reaches
      // it as an abort, so a refused reload is recorded once too).
      recordVersions: slot === 0,
      // One worker watches the files and tells the primary; all of them reload together.
      ...(slot === 0 ? { watch: options.watch ? 'reload' as const : 'report' as const, onFilesChanged: () => send({ gh: 'files-changed' }) } : {}),
    });
  } catch (error) {
    await store?.close();
    throw error;
  }

  const prepared = new Map<number, PreparedReload & { ok: true }>();
  /** Reloads the primary settled before this worker had prepared (a slow compile). */
  const settled = new Set<number>();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    if (stopping === undefined) gateway.services.logger.info('shutting down: draining in-flight requests');
    stopping ??= gateway.close().then(() => store?.close()).finally(() => {
      gateway.services.logger.flush();
      process.exitCode = 0;
      if (process.connected) process.disconnect();
      // Whatever handle is left (a keep-alive socket of an upstream pool) must not keep a stopped worker alive.
      setTimeout(() => process.exit(), 2_000).unref();
    });
    return stopping;
  };

  channel.onMessage((m) => {
    if (!isGatehouseMessage<PrimaryMessage>(m)) return;
    switch (m.gh) {
      case 'prepare':
        void gateway.prepareReload().then((p) => {
          // The primary stopped waiting (it settles a reload after 2 min): drop what compiled late.
          if (p.ok && settled.has(m.gen)) void p.abort('the primary settled this reload without this worker');
          else if (p.ok) prepared.set(m.gen, p);
          send({ gh: 'prepared', gen: m.gen, ok: p.ok, ...(p.ok ? { digest: p.digest } : { errors: p.errors }) });
        }, (error: unknown) => send({ gh: 'prepared', gen: m.gen, ok: false, errors: [error instanceof Error ? error.message : String(error)] }));
        return;
      case 'commit': {
        const p = prepared.get(m.gen);
        prepared.delete(m.gen);
        if (p === undefined) settled.add(m.gen);
        void (p?.commit() ?? Promise.resolve()).finally(() => send({ gh: 'switched', gen: m.gen }));
        return;
      }
      case 'abort': {
        const p = prepared.get(m.gen);
        prepared.delete(m.gen);
        if (p === undefined) settled.add(m.gen);
        void p?.abort(m.reason);
        return;
      }
      case 'collect':
        void metrics.registry.getMetricsAsJSON().then((json) => send({ gh: 'metrics-part', id: m.id, metrics: json }), () => send({ gh: 'metrics-part', id: m.id, metrics: [] }));
        return;
      case 'metrics-text': {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.text !== undefined) w?.resolve(m.text);
        else w?.reject(new Error(m.error ?? 'no metrics'));
        return;
      }
      case 'shutdown':
        void stop();
        return;
      case 'hurry':
        gateway.hurry();
        return;
      default:
    }
  });

  // The primary owns the signals: a terminal's Ctrl-C reaches every process of the group, and
  // the primary relays it; SIGHUP to a worker alone would switch it without the others.
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => logger.warn('SIGHUP to a worker is ignored: send it to the primary, which reloads every worker together'));
  process.on('SIGTERM', () => { void stop(); });
  // The primary died without telling (SIGKILL, a crash): nobody restarts or coordinates this
  // worker any more, so it drains and stops rather than serving on alone.
  process.on('disconnect', () => { void stop(); });
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection; still serving'));
  send({ gh: 'ready', digest: gateway.servingDigest, addresses: { ...gateway.addresses } });
  return gateway;
}

/** Loads the configuration and runs a worker; a configuration that does not load stops it with code 1. */
export async function startWorker(configFile: string, watch: boolean): Promise<void> {
  const config = await loadConfig(configFile);
  await runWorker(config, { watch });
}
