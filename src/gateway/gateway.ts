import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import { adminWarnings } from '../admin/config.js';
import { createAdminApp, type AdminApp } from '../admin/mount.js';
import { loadedVersion, recordVersion, refusedVersion, type ConfigVersion } from '../admin/reloads.js';
import { createAdminServer } from '../admin/server.js';
import { Monitoring } from '../anomaly/monitoring.js';
import { loadConfig } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { ConfigError, GatehouseError, formatProblem } from '../errors/index.js';
import { createLogger } from '../observe/logger.js';
import { createMetrics, type GatewayMetrics } from '../observe/metrics.js';
import { publishedJwks } from '../identity/keyring-registry.js';
import { identityConfigOf } from '../identity/runtime.js';
import { createStore, type Store } from '../store/index.js';
import type { RetentionJob } from '../store/retention.js';
import type { RequestContext } from './context.js';
import { ConfigStatus, digestInputs, inputFiles, type InputsDigest } from './config-state.js';
import { clientErrorHandler } from './cuts.js';
import { createHandler, createUpgradeHandler } from './handler.js';
import { WebSockets } from './websocket.js';
import { certificatesInUse } from '../observe/certificates.js';
import { createH2cListener, createH2SessionFactory, Http2Sessions } from './http2.js';
import { createHttpListener, createHttpsListener, drain, listen, prepareTlsFiles, trackConnections } from './listeners.js';
import { redirectToHttps } from './redirect.js';
import { retentionTargets, startRetention } from './retention.js';
import { compileRuntime } from './runtime.js';
import type { Runtime } from './runtime-types.js';
import type { GatewayServices } from './services.js';
import { FileWatcher } from './watch.js';

export interface GatewayOptions {
  readonly logger?: Logger;
  readonly metrics?: GatewayMetrics;
  /**
   * What to do when a file of the configuration changes (the config file, a spec, a `file:` key
   * set, a certificate): `reload` it, or only `report` that the files on disk differ from what
   * serves. Undefined: the files are not watched (tests, embedding); `reload()` still works.
   */
  readonly watch?: 'reload' | 'report';
  /** How often watched files are polled whatever the file watches say (tests shorten it). */
  readonly watchPollMs?: number;
  /** Overrides `shutdown.timeout`: how long in-flight requests may take to finish on close. */
  readonly drainMs?: number;
  readonly observers?: ((ctx: RequestContext) => void)[];
  /** A store to use instead of opening the one the config names (tests, embedding). */
  readonly store?: Store;
  /** The `/metrics` text instead of this process's registry (a worker: the sum over all workers). */
  readonly metricsText?: () => Promise<string>;
  /**
   * With `watch: 'reload'`: called on a change instead of reloading this gateway alone (a worker
   * tells the primary, which reloads every worker together).
   */
  readonly onFilesChanged?: () => void;
  /** Run the retention job (default true). Workers leave it to one of them: the store is one. */
  readonly retention?: boolean;
  /**
   * Add this gateway's starts and reloads to the store's reload history (default true). Workers
   * leave it to one of them: the workers reload together, so N records would tell one reload N times.
   */
  readonly recordVersions?: boolean;
}

export interface ReloadResult {
  readonly ok: boolean;
  readonly errors?: readonly string[];
}

/** A configuration compiled beside the serving one (`prepareReload`), waiting to be switched to or dropped. */
export type PreparedReload =
  | {
    readonly ok: true;
    /** The config file's and every input file's sha256: workers that prepared the same files agree on it. */
    readonly digest: string;
    commit(): Promise<ReloadResult>;
    /** Drops the compiled configuration; `reason` is logged and reported as the refusal. */
    abort(reason: string): Promise<void>;
  }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * A running gateway: its listeners, its admin server and the current compiled runtime, which
 * `reload` replaces in one assignment once the new one has compiled.
 */
export class Gateway {
  readonly services: GatewayServices;
  private runtime: Runtime;
  private readonly servers: { name: 'http' | 'https' | 'h2c'; server: NetServer; closeAfterAnswers: () => void; h2?: Http2Sessions }[] = [];
  private admin: Server | undefined;
  private adminApp: AdminApp | undefined;
  /** The configuration serving, as the admin API shows it (secrets masked). */
  private serving: ConfigVersion | undefined;
  private watcher: FileWatcher | undefined;
  private watchMode: 'reload' | 'report' | undefined;
  private reloading: Promise<ReloadResult> | undefined;
  private queued: Promise<ReloadResult> | undefined;
  private readonly status: ConfigStatus;
  private retention: RetentionJob | undefined;
  private readonly drainMs: number | undefined;
  /** Shutdown has begun: readiness answers 503 and every response closes its connection. */
  private draining = false;
  private closing: Promise<void> | undefined;
  private skipDelay: (() => void) | undefined;
  readonly addresses: { http?: AddressInfo; https?: AddressInfo; h2c?: AddressInfo; admin?: AddressInfo } = {};

  private readonly ownsStore: boolean;
  private metricsText: (() => Promise<string>) | undefined;
  private onFilesChanged: (() => void) | undefined;
  private recordVersions = true;
  /** Open WebSocket connections: counted per identity, closed on revocation and shutdown. */
  private readonly sockets: WebSockets;
  /** Inventory recording, anomaly detection and the revocation list (src/anomaly). */
  monitoring: Monitoring | undefined;

  private constructor(runtime: Runtime, services: GatewayServices, drainMs: number | undefined, ownsStore: boolean) {
    this.ownsStore = ownsStore;
    this.runtime = runtime;
    this.services = services;
    this.drainMs = drainMs;
    this.status = new ConfigStatus(services.metrics, services.logger);
    this.sockets = new WebSockets(services);
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
    monitoring.useApis(runtime.apis);
    const gateway = new Gateway(runtime, services, options.drainMs, options.store === undefined);
    gateway.metricsText = options.metricsText;
    gateway.onFilesChanged = options.onFilesChanged;
    gateway.recordVersions = options.recordVersions ?? true;
    gateway.monitoring = monitoring;
    try {
      await gateway.listenAll(config);
    } catch (error) {
      await gateway.close({ drainDelayMs: 0 });
      throw error;
    }
    const digest = await digestInputs(config.file, gateway.inputs(runtime));
    gateway.status.loaded(digest);
    await gateway.noteVersion(await loadedVersion(config, digest, Date.now()));
    if (options.watch !== undefined) gateway.watch(options.watch, options.watchPollMs);
    if (options.retention !== false) gateway.retention = startRetention(config, services);
    gateway.recordCertificates();
    logger.info({ apis: config.apis.map((a) => a.name), operations: runtime.apis.reduce((n, a) => n + a.spec.operations.length, 0), sha256: gateway.status.digest?.configSha256, ...gateway.addresses }, 'gateway started');
    return gateway;
  }

  /** The digest over every file of the serving configuration (`gatehouse_config_info{inputs}` shows its start). */
  get servingDigest(): string | undefined {
    return this.status.digest?.inputs;
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

  /** Retention of the inventory, the decision trail and alerts, now (tests, operations). */
  trimRecords(): Promise<Record<string, number>> {
    return this.retention?.runOnce() ?? Promise.resolve({});
  }

  private async listenAll(config: GatehouseConfig): Promise<void> {
    const onClientError = clientErrorHandler(this.services);
    // Once draining, every answer says `Connection: close` and closes its connection: a keep-alive
    // client learns it must go elsewhere from the answer itself, with no race against a close.
    const closing = (handler: (req: IncomingMessage, res: ServerResponse) => void) => (req: IncomingMessage, res: ServerResponse): void => {
      if (this.draining) res.shouldKeepAlive = false;
      handler(req, res);
    };
    const handlerHttp = closing(createHandler(() => this.runtime, this.services, false));
    const handlerHttps = closing(createHandler(() => this.runtime, this.services, true));
    // WebSocket handshakes reach an `upgrade` listener only; without one Node serves them as plain
    // requests (Upgrade dropped as hop-by-hop), as before any API declared WebSocket.
    const upgrades = config.apis.some((a) => a.websocket !== undefined);
    if (upgrades) await this.sockets.start();
    if (config.listen.http !== undefined) {
      const plain = config.listen.http.redirectToHttps ? redirectToHttps(() => this.addresses.https?.port) : handlerHttp;
      const server = createHttpListener(config, plain, onClientError);
      if (upgrades && !config.listen.http.redirectToHttps) server.on('upgrade', createUpgradeHandler(() => this.runtime, this.services, false, this.sockets));
      this.servers.push({ name: 'http', server, closeAfterAnswers: trackConnections(server) });
      this.addresses.http = await listen(server, config.listen.http.port, config.listen.http.host);
    }
    const h2 = config.listen.https?.http2 === true ? new Http2Sessions(config.limits, this.services) : undefined;
    const https = createHttpsListener(config, handlerHttps, onClientError, h2 === undefined ? undefined : createH2SessionFactory(config.limits, handlerHttps, h2));
    if (https !== undefined && config.listen.https !== undefined) {
      if (upgrades) https.on('upgrade', createUpgradeHandler(() => this.runtime, this.services, true, this.sockets));
      this.servers.push({ name: 'https', server: https, closeAfterAnswers: trackConnections(https), ...(h2 === undefined ? {} : { h2 }) });
      this.addresses.https = await listen(https, config.listen.https.port, config.listen.https.host);
    }
    if (config.listen.h2c !== undefined) {
      const sessions = new Http2Sessions(config.limits, this.services);
      const server = createH2cListener(config.limits, handlerHttp, sessions);
      this.servers.push({ name: 'h2c', server, closeAfterAnswers: () => undefined, h2: sessions });
      this.addresses.h2c = await listen(server, config.listen.h2c.port, config.listen.h2c.host);
    }
    if (config.admin.enabled) {
      this.adminApp = await createAdminApp({
        store: this.services.store,
        config: () => this.runtime.config,
        apis: () => this.runtime.apis.map((a) => ({ config: a.config, spec: a.spec })),
        revocations: () => this.monitoring?.revocations,
        serving: () => this.serving,
        registry: this.services.metrics.registry,
      }, { logger: this.services.logger });
      this.admin = createAdminServer({
        registry: this.services.metrics.registry,
        ...(this.metricsText === undefined ? {} : { metrics: this.metricsText }),
        ready: async () => {
          if (this.draining) return { ok: false, detail: 'shutting down' };
          const health = await this.services.store.health();
          return health.ok ? { ok: true } : { ok: false, detail: `store: ${health.detail ?? 'unavailable'}` };
        },
        jwks: () => publishedJwks(identityConfigOf(this.runtime.config).signing),
      }, { admin: config.admin, limits: config.limits, logger: this.services.logger, authenticators: [this.adminApp.authenticator], api: this.adminApp.mount });
      for (const warning of adminWarnings(config.admin)) this.services.logger.warn(warning);
      this.addresses.admin = await listen(this.admin, config.admin.port, config.admin.host);
    }
  }

  /**
   * Loads and compiles the config file again and swaps it in. A config that fails to load or
   * compile is refused with its errors; the current one keeps serving. Listener addresses are
   * fixed at start: a changed port needs a restart and is reported. A reload asked for while one
   * runs starts when it ends (the files may have changed after it read them); further requests
   * meanwhile join that one.
   */
  reload(next?: GatehouseConfig): Promise<ReloadResult> {
    if (this.reloading === undefined) {
      this.reloading = this.doReload(next).finally(() => { this.reloading = undefined; });
      return this.reloading;
    }
    const after = (): Promise<ReloadResult> => {
      this.queued = undefined;
      return this.reload(next);
    };
    this.queued ??= this.reloading.then(after, after);
    return this.queued;
  }

  private async doReload(next?: GatehouseConfig): Promise<ReloadResult> {
    const prepared = await this.prepareReload(next);
    return prepared.ok ? prepared.commit() : { ok: false, errors: prepared.errors };
  }

  /**
   * The first half of a reload: loads and compiles the configuration (and checks its
   * certificates) beside the serving one, switching nothing. Under workers the primary asks
   * every worker to prepare, and only when all have succeeded, on the same files, tells them to
   * commit; otherwise each aborts and the current configuration keeps serving everywhere.
   * Not for use while a `reload` runs (the primary runs one at a time).
   */
  async prepareReload(next?: GatehouseConfig): Promise<PreparedReload> {
    const logger = this.services.logger;
    // Files that changed from here on may have been read before or after their change.
    const started = Date.now();
    let runtime: Runtime;
    let attempted: GatehouseConfig | undefined = next;
    try {
      attempted ??= await loadConfig(this.runtime.config.file);
      runtime = await compileRuntime(attempted, this.services);
    } catch (error) {
      // Each problem with its file and line: a spec problem is in the spec, not the config file.
      const errors = error instanceof ConfigError ? error.problems.map((p) => formatProblem(p).trimStart())
        : [error instanceof Error ? error.message : String(error)];
      logger.error({ errors }, 'reload refused: the current configuration keeps serving');
      await this.refused(errors, attempted, started);
      return { ok: false, errors };
    }
    const certificates: (() => void)[] = [];
    for (const { name, server } of this.servers) {
      if (name !== 'https') continue;
      try {
        certificates.push(prepareTlsFiles(server as Server, runtime.config));
      } catch (error) {
        await runtime.close();
        logger.error({ err: error }, 'reload refused: the new TLS certificate or key cannot be used');
        const errors = [`listen.https: ${(error as Error).message}`];
        await this.refused(errors, attempted, started);
        return { ok: false, errors };
      }
    }
    const digest = await digestInputs(runtime.config.file, this.inputs(runtime));
    let settled = false;
    return {
      ok: true,
      digest: digest.inputs,
      commit: async () => {
        if (settled) return { ok: false, errors: ['this reload was already settled'] };
        settled = true;
        for (const apply of certificates) apply();
        return this.switchTo(runtime, digest, started);
      },
      abort: async (reason: string) => {
        if (settled) return;
        settled = true;
        await runtime.close();
        logger.error({ reason }, 'reload refused: the current configuration keeps serving');
        await this.refused([reason], attempted, started);
      },
    };
  }

  private async switchTo(runtime: Runtime, digest: InputsDigest, started: number): Promise<ReloadResult> {
    const logger = this.services.logger;
    const previous = this.runtime;
    this.runtime = runtime;
    this.monitoring?.useApis(runtime.apis);
    this.status.attempted(true);
    this.status.loaded(digest);
    await this.noteVersion(await loadedVersion(runtime.config, digest, Date.now()));
    this.watcher?.setFiles(digest.files.keys(), started);
    // A file this reload read while it changed: load again (the request waits for this one to end).
    this.watcher?.check();
    this.retention?.configure(retentionTargets(runtime.config), runtime.config.retention.intervalMs);
    this.recordCertificates();
    if (JSON.stringify(previous.config.listen) !== JSON.stringify(runtime.config.listen) || JSON.stringify(previous.config.admin) !== JSON.stringify(runtime.config.admin)) {
      logger.warn('listener or admin addresses changed: they take effect after a restart');
    }
    logger.info({ apis: runtime.apis.map((a) => a.name), sha256: digest.configSha256 }, 'configuration reloaded');
    // In-flight requests hold the old upstream pools; close() waits for them.
    void previous.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the previous runtime failed'));
    return { ok: true };
  }

  /** A refused reload: counted, and the files it would have used are watched too (fixing one retries). */
  private async refused(errors: readonly string[], attempted: GatehouseConfig | undefined, started: number): Promise<void> {
    this.status.attempted(false, errors);
    if (this.recordVersions) await recordVersion(this.services.store, refusedVersion(errors, Date.now(), this.runtime.config.secretValues));
    if (this.watcher !== undefined && attempted !== undefined) {
      this.watcher.setFiles([...this.watcher.files, ...inputFiles(attempted)], started);
      this.watcher.check();
    }
    await this.compareWithDisk();
  }

  /** The configuration now serving, kept for the admin API and added to the cluster's reload history. */
  private async noteVersion(version: ConfigVersion): Promise<void> {
    this.serving = version;
    if (this.recordVersions) await recordVersion(this.services.store, version);
  }

  /** The files of the serving configuration, whose content its hash covers. */
  private inputs(runtime: Runtime): string[] {
    return inputFiles(runtime.config, runtime.apis.map((a) => a.spec));
  }

  private async compareWithDisk(): Promise<boolean> {
    const serving = this.status.digest;
    if (serving === undefined) return true;
    const disk = await digestInputs(this.runtime.config.file, [...serving.files.keys()]);
    return this.status.compare(disk, this.watchMode === 'report' ? 'it is not reloaded automatically (--no-watch): reload with SIGHUP' : 'the last reload was refused: fix the files, or reload with SIGHUP');
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

  private watch(mode: 'reload' | 'report', pollMs: number | undefined): void {
    this.watchMode = mode;
    const metrics = this.services.metrics;
    this.watcher = new FileWatcher({
      logger: this.services.logger,
      ...(pollMs === undefined ? {} : { pollMs }),
      onHealth: (ok) => metrics.configWatchUp.set(ok ? 1 : 0),
      onChange: () => {
        if (this.draining) return;
        if (mode === 'reload' && this.onFilesChanged !== undefined) {
          this.onFilesChanged();
          return;
        }
        const done = mode === 'reload' ? this.reload() : this.compareWithDisk();
        done.catch((error: unknown) => this.services.logger.error({ err: error }, 'handling a config file change failed'));
      },
    });
    this.watcher.setFiles(this.status.digest?.files.keys() ?? [this.runtime.config.file]);
  }

  /**
   * Graceful shutdown that load balancers can follow: readiness turns 503 and every answer
   * carries `Connection: close` at once; the gateway keeps serving for `shutdown.drainDelay`
   * (the time a balancer needs to notice), then stops accepting, closes idle connections,
   * waits up to `shutdown.timeout` for in-flight requests and cuts whatever is left; last the
   * upstream pools, the records buffers and the store.
   */
  close(options: { drainDelayMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.drainDelayMs ?? this.runtime.config.shutdown.drainDelayMs);
    return this.closing;
  }

  /** Ends the drain delay of a shutdown under way now (a second SIGTERM or SIGINT). */
  hurry(): void {
    this.skipDelay?.();
  }

  private async shutdown(drainDelayMs: number): Promise<void> {
    this.draining = true;
    for (const { closeAfterAnswers } of this.servers) closeAfterAnswers();
    // HTTP/2 clients are told by GOAWAY: streams under way finish, new ones go elsewhere.
    for (const { h2 } of this.servers) h2?.close();
    // WebSocket clients by a close frame (1001, going away): they reconnect elsewhere.
    await this.sockets.close();
    this.watcher?.close();
    this.status.close();
    if (drainDelayMs > 0 && this.servers.length > 0) {
      this.services.logger.info({ drainDelayMs }, 'draining: readiness is 503, serving until the delay ends');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainDelayMs);
        this.skipDelay = () => { clearTimeout(timer); resolve(); };
      });
    }
    const grace = this.drainMs ?? this.runtime.config.shutdown.timeoutMs;
    await Promise.all(this.servers.map(({ server, h2 }) => drain(server, grace, h2)));
    this.adminApp?.events.close();
    if (this.admin !== undefined) await drain(this.admin, 1_000);
    await this.retention?.close();
    await this.runtime.close();
    // After the drain (the last requests are recorded), before the store goes.
    await this.monitoring?.close();
    if (this.ownsStore) await this.services.store.close();
  }
}
