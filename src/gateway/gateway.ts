import { watch, type FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { adminWarnings } from '../admin/config.js';
import { createAdminServer } from '../admin/server.js';
import { Monitoring } from '../anomaly/monitoring.js';
import { loadConfig } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { ConfigError, GatehouseError } from '../errors/index.js';
import { createLogger } from '../observe/logger.js';
import { createMetrics, type GatewayMetrics } from '../observe/metrics.js';
import { publishedJwks } from '../identity/keyring-registry.js';
import { identityConfigOf } from '../identity/runtime.js';
import { createStore, type Store } from '../store/index.js';
import type { RequestContext } from './context.js';
import { createHandler } from './handler.js';
import { certificatesInUse } from '../observe/certificates.js';
import { createHttpListener, createHttpsListener, drain, listen, reloadTlsFiles } from './listeners.js';
import { compileRuntime } from './runtime.js';
import type { Runtime } from './runtime-types.js';
import type { GatewayServices } from './services.js';

export interface GatewayOptions {
  readonly logger?: Logger;
  readonly metrics?: GatewayMetrics;
  /** Reload when the config file changes (and on `reload()` calls). */
  readonly watchConfig?: boolean;
  /** How long in-flight requests may take to finish on close. */
  readonly drainMs?: number;
  readonly observers?: ((ctx: RequestContext) => void)[];
  /** A store to use instead of opening the one the config names (tests, embedding). */
  readonly store?: Store;
}

export interface ReloadResult {
  readonly ok: boolean;
  readonly errors?: readonly string[];
}

/**
 * A running gateway: its listeners, its admin server and the current compiled runtime, which
 * `reload` replaces in one assignment once the new one has compiled.
 */
export class Gateway {
  readonly services: GatewayServices;
  private runtime: Runtime;
  private readonly servers: { name: 'http' | 'https'; server: Server }[] = [];
  private admin: Server | undefined;
  private watcher: FSWatcher | undefined;
  private reloading: Promise<ReloadResult> | undefined;
  private readonly drainMs: number;
  private closed = false;
  readonly addresses: { http?: AddressInfo; https?: AddressInfo; admin?: AddressInfo } = {};

  private readonly ownsStore: boolean;
  /** Inventory recording, anomaly detection and the revocation list (src/anomaly). */
  monitoring: Monitoring | undefined;

  private constructor(runtime: Runtime, services: GatewayServices, drainMs: number, ownsStore: boolean) {
    this.ownsStore = ownsStore;
    this.runtime = runtime;
    this.services = services;
    this.drainMs = drainMs;
  }

  static async start(config: GatehouseConfig, options: GatewayOptions = {}): Promise<Gateway> {
    const logger = options.logger ?? createLogger({ level: config.logging.level, redact: config.logging.redact, secretValues: config.secretValues });
    const store = options.store ?? await createStore(config.store);
    const services: GatewayServices = { logger, metrics: options.metrics ?? createMetrics(), observers: [...(options.observers ?? [])], store };
    // Before the runtime: the revocation policy finds the list monitoring starts.
    const monitoring = await Monitoring.start(config, services);
    let runtime: Runtime;
    try {
      runtime = await compileRuntime(config, services);
    } catch (error) {
      await monitoring.close();
      if (options.store === undefined) await store.close();
      throw error;
    }
    const gateway = new Gateway(runtime, services, options.drainMs ?? 10_000, options.store === undefined);
    gateway.monitoring = monitoring;
    try {
      await gateway.listenAll(config);
    } catch (error) {
      await gateway.close();
      throw error;
    }
    if (options.watchConfig === true) gateway.watchConfig();
    gateway.recordCertificates();
    logger.info({ apis: config.apis.map((a) => a.name), operations: runtime.apis.reduce((n, a) => n + a.spec.operations.length, 0), ...gateway.addresses }, 'gateway started');
    return gateway;
  }

  get config(): GatehouseConfig {
    return this.runtime.config;
  }

  /** The base URL of the plain HTTP listener (tests and the demo). */
  get httpUrl(): string {
    const a = this.addresses.http;
    if (a === undefined) throw new GatehouseError('GH_NO_LISTENER', 'no http listener');
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  }

  private async listenAll(config: GatehouseConfig): Promise<void> {
    const handlerHttp = createHandler(() => this.runtime, this.services, false);
    const handlerHttps = createHandler(() => this.runtime, this.services, true);
    if (config.listen.http !== undefined) {
      const server = createHttpListener(config, handlerHttp);
      this.servers.push({ name: 'http', server });
      this.addresses.http = await listen(server, config.listen.http.port, config.listen.http.host);
    }
    const https = createHttpsListener(config, handlerHttps);
    if (https !== undefined && config.listen.https !== undefined) {
      this.servers.push({ name: 'https', server: https });
      this.addresses.https = await listen(https, config.listen.https.port, config.listen.https.host);
    }
    if (config.admin.enabled) {
      this.admin = createAdminServer({
        registry: this.services.metrics.registry,
        ready: async () => {
          if (this.closed) return { ok: false, detail: 'shutting down' };
          const health = await this.services.store.health();
          return health.ok ? { ok: true } : { ok: false, detail: `store: ${health.detail ?? 'unavailable'}` };
        },
        jwks: () => publishedJwks(identityConfigOf(this.runtime.config).signing),
      }, { admin: config.admin, limits: config.limits, logger: this.services.logger });
      for (const warning of adminWarnings(config.admin)) this.services.logger.warn(warning);
      this.addresses.admin = await listen(this.admin, config.admin.port, config.admin.host);
    }
  }

  /**
   * Loads and compiles the config file again and swaps it in. A config that fails to load or
   * compile is refused with its errors; the current one keeps serving. Listener addresses are
   * fixed at start: a changed port needs a restart and is reported.
   */
  reload(next?: GatehouseConfig): Promise<ReloadResult> {
    this.reloading ??= this.doReload(next).finally(() => { this.reloading = undefined; });
    return this.reloading;
  }

  private async doReload(next?: GatehouseConfig): Promise<ReloadResult> {
    const logger = this.services.logger;
    let runtime: Runtime;
    try {
      const config = next ?? await loadConfig(this.runtime.config.file);
      runtime = await compileRuntime(config, this.services);
    } catch (error) {
      const errors = error instanceof ConfigError ? error.problems.map((p) => `${p.path}${p.line === undefined ? '' : ` (line ${p.line})`}: ${p.message}`)
        : [error instanceof Error ? error.message : String(error)];
      this.services.metrics.reloads.labels('failure').inc();
      logger.error({ errors }, 'reload refused: the current configuration keeps serving');
      return { ok: false, errors };
    }
    for (const { name, server } of this.servers) {
      if (name !== 'https') continue;
      try {
        reloadTlsFiles(server, runtime.config);
      } catch (error) {
        await runtime.close();
        this.services.metrics.reloads.labels('failure').inc();
        logger.error({ err: error }, 'reload refused: the new TLS certificate or key cannot be used');
        return { ok: false, errors: [`listen.https: ${(error as Error).message}`] };
      }
    }
    const previous = this.runtime;
    this.runtime = runtime;
    this.recordCertificates();
    this.services.metrics.reloads.labels('success').inc();
    if (JSON.stringify(previous.config.listen) !== JSON.stringify(runtime.config.listen) || JSON.stringify(previous.config.admin) !== JSON.stringify(runtime.config.admin)) {
      logger.warn('listener or admin addresses changed: they take effect after a restart');
    }
    logger.info({ apis: runtime.apis.map((a) => a.name) }, 'configuration reloaded');
    // In-flight requests hold the old upstream pools; close() waits for them.
    void previous.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the previous runtime failed'));
    return { ok: true };
  }

  /** Publishes days-to-expiry of every certificate in use and warns about those close to it. */
  private recordCertificates(): void {
    const gauge = this.services.metrics.certificateDays;
    gauge.reset();
    for (const cert of certificatesInUse(this.runtime.config)) {
      gauge.labels(cert.use, cert.subject, cert.file).set(cert.daysLeft);
      if (cert.daysLeft < 30) this.services.logger.warn({ use: cert.use, subject: cert.subject, file: cert.file, daysLeft: cert.daysLeft }, 'certificate expires soon');
    }
  }

  private watchConfig(): void {
    let timer: NodeJS.Timeout | undefined;
    try {
      this.watcher = watch(this.runtime.config.file, () => {
        // Editors write files in several steps; wait for the burst to settle.
        clearTimeout(timer);
        timer = setTimeout(() => { void this.reload(); }, 200);
        timer.unref();
      });
      this.watcher.unref();
    } catch (error) {
      this.services.logger.warn({ err: error }, 'cannot watch the config file; reload with SIGHUP');
    }
  }

  /** Graceful shutdown: stop accepting, drain in-flight requests, close upstream pools. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    await Promise.all(this.servers.map(({ server }) => drain(server, this.drainMs)));
    if (this.admin !== undefined) await drain(this.admin, 1_000);
    await this.runtime.close();
    // After the drain (the last requests are recorded), before the store goes.
    await this.monitoring?.close();
    if (this.ownsStore) await this.services.store.close();
  }
}
