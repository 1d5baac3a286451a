import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { GatehouseConfig } from '../config/types.js';
import type { Store } from '../store/index.js';
import { maskConfigText } from './mask.js';

/** Every start and reload of every gateway sharing the store, refused ones too: the config page's history. */
export const RELOAD_STREAM = 'admin.reloads';

/** One configuration a gateway loaded, or tried to. */
export interface ConfigVersion {
  readonly at: number;
  readonly ok: boolean;
  /** `host:pid`: which gateway of a cluster (under `workers`, the primary's pid). */
  readonly instance: string;
  readonly sha256?: string;
  readonly inputs?: string;
  readonly version?: string;
  /** The config file with every secret masked (mask.ts). */
  readonly text?: string;
  readonly errors?: readonly string[];
}

// Under `workers` the processes are one gateway, named by their primary: a worker started again keeps the name.
const INSTANCE = `${hostname()}:${cluster.isWorker ? process.ppid : process.pid}`;

/** The version record of a configuration that loaded; the file is read again for its text, masked. */
export async function loadedVersion(config: GatehouseConfig, digest: { configSha256: string; inputs: string }, at: number): Promise<ConfigVersion> {
  let text: string | undefined;
  try {
    text = maskConfigText(await readFile(config.file, 'utf8'), config.secretValues);
  } catch {
    text = undefined;
  }
  return { at, ok: true, instance: INSTANCE, sha256: digest.configSha256, inputs: digest.inputs, version: config.version, ...(text === undefined ? {} : { text }) };
}

export function refusedVersion(errors: readonly string[], at: number, secretValues: readonly string[]): ConfigVersion {
  // A refusal message can quote the file (a line with a literal secret in it).
  return { at, ok: false, instance: INSTANCE, errors: errors.map((e) => maskConfigText(e, secretValues)) };
}

/**
 * Stores the version, where every gateway's event stream finds it (events.ts); never throws: a
 * reload must not fail for its history.
 */
export async function recordVersion(store: Store, version: ConfigVersion): Promise<void> {
  try {
    await store.records.append(RELOAD_STREAM, version);
  } catch {
    // The store is down: the gateway keeps serving; the history misses this entry.
  }
}
