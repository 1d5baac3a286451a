import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { GatehouseConfig } from '../config/types.js';
import { identityConfigOf } from '../identity/runtime.js';
import type { GatewayMetrics } from '../observe/metrics.js';
import type { LoadedSpec } from '../openapi/types.js';

/**
 * Every file a configuration is made of: the config file, each spec and the files its `$ref`s
 * reach, `file:` key sets, and the TLS certificates, keys and CA bundles of the listener and the
 * upstreams. A change to any of them changes what the gateway enforces, so each is watched.
 */
export function inputFiles(config: GatehouseConfig, specs?: readonly LoadedSpec[]): string[] {
  const files = new Set<string>([config.file]);
  if (specs !== undefined) for (const spec of specs) for (const file of spec.files) files.add(file);
  else for (const api of config.apis) files.add(api.spec);
  for (const issuer of identityConfigOf(config).issuers) if (issuer.jwks.kind === 'file') files.add(issuer.jwks.path);
  const https = config.listen.https;
  if (https !== undefined) for (const file of [https.cert, https.key, https.clientCa]) if (file !== undefined) files.add(file);
  for (const api of config.apis) {
    const tls = api.upstream.tls;
    if (tls !== undefined) for (const file of [tls.ca, tls.cert, tls.key]) if (file !== undefined) files.add(file);
  }
  return [...files];
}

/** The content of a configuration's files: sha256 per file, and one digest over all of them. */
export interface InputsDigest {
  /** sha256 of the config file's bytes, as `sha256sum gatehouse.yaml` prints it. */
  readonly configSha256: string;
  /** sha256 over every input file (name and content), the config file included. */
  readonly inputs: string;
  readonly files: ReadonlyMap<string, string>;
}

export async function digestInputs(configFile: string, files: readonly string[]): Promise<InputsDigest> {
  const sorted = [...new Set([configFile, ...files])].sort();
  const each = await Promise.all(sorted.map(async (file) => {
    try {
      return createHash('sha256').update(await readFile(file)).digest('hex');
    } catch (error) {
      return `missing (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }));
  const all = createHash('sha256');
  const map = new Map<string, string>();
  sorted.forEach((file, i) => {
    map.set(file, each[i] as string);
    all.update(`${file}\0${each[i] as string}\n`);
  });
  return { configSha256: map.get(configFile) as string, inputs: all.digest('hex'), files: map };
}

/** How often a configuration on disk that differs from the one serving is logged again while it lasts. */
const REMIND_EVERY_MS = 10 * 60_000;

/**
 * What configuration is serving, as metrics and log lines: its hash and load time, the result
 * and time of the last reload, and whether the files on disk still say the same (a failed
 * reload leaves the previous configuration serving while the files say something else).
 */
export class ConfigStatus {
  private serving: InputsDigest | undefined;
  private outOfSync: string | undefined;
  private lastError: readonly string[] | undefined;
  private reminder: NodeJS.Timeout | undefined;

  constructor(private readonly metrics: GatewayMetrics, private readonly logger: Logger, private readonly now: () => number = Date.now) {
    const t = this.now() / 1000;
    metrics.configLastReloadSuccessful.set(1);
    metrics.configLastReloadSeconds.set(t);
    metrics.configOutOfSync.set(0);
  }

  get digest(): InputsDigest | undefined {
    return this.serving;
  }

  /** A configuration was loaded from these files and now serves. */
  loaded(digest: InputsDigest): void {
    this.serving = digest;
    this.metrics.configInfo.reset();
    this.metrics.configInfo.labels(digest.configSha256, digest.inputs.slice(0, 16)).set(1);
    this.metrics.configLoadedSeconds.set(this.now() / 1000);
    this.inSync();
  }

  /** The result of a reload attempt (counted and timed; a failure keeps its errors for the drift log). */
  attempted(ok: boolean, errors?: readonly string[]): void {
    this.metrics.reloads.labels(ok ? 'success' : 'failure').inc();
    this.metrics.configLastReloadSuccessful.set(ok ? 1 : 0);
    this.metrics.configLastReloadSeconds.set(this.now() / 1000);
    this.lastError = ok ? undefined : errors;
  }

  /** Compares the files on disk with the serving configuration; logs when they differ. */
  compare(disk: InputsDigest, action: string): boolean {
    const serving = this.serving;
    if (serving === undefined || disk.inputs === serving.inputs) {
      this.inSync();
      return true;
    }
    this.metrics.configOutOfSync.set(1);
    if (this.outOfSync !== disk.inputs) {
      this.outOfSync = disk.inputs;
      this.log(disk, action);
      if (this.reminder !== undefined) clearInterval(this.reminder);
      this.reminder = setInterval(() => this.log(disk, action), REMIND_EVERY_MS);
      this.reminder.unref();
    }
    return false;
  }

  close(): void {
    if (this.reminder !== undefined) clearInterval(this.reminder);
    this.reminder = undefined;
  }

  private inSync(): void {
    this.metrics.configOutOfSync.set(0);
    if (this.outOfSync !== undefined) this.logger.info({ sha256: this.serving?.configSha256 }, 'the configuration on disk matches the one serving again');
    this.outOfSync = undefined;
    this.close();
  }

  private log(disk: InputsDigest, action: string): void {
    const serving = this.serving as InputsDigest;
    const changed = [...new Set([...disk.files.keys(), ...serving.files.keys()])].filter((f) => disk.files.get(f) !== serving.files.get(f));
    this.logger.warn({
      changed,
      serving: serving.configSha256,
      onDisk: disk.configSha256,
      ...(this.lastError === undefined ? {} : { lastReloadErrors: this.lastError }),
    }, `the configuration on disk differs from the one serving; ${action}`);
  }
}
