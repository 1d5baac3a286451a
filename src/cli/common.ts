import { writeFile } from 'node:fs/promises';
import { loadConfig, parseDuration } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { ConfigError, formatProblem } from '../errors/index.js';
import { loadSpec } from '../openapi/index.js';
import type { LoadedSpec } from '../openapi/types.js';
import { createStore, type Store } from '../store/index.js';

/**
 * What the commands that open a config share: the usage error (exit code 2, a message, never a
 * stack), opening a config with its store, and reading durations and times from arguments.
 */
export class UsageError extends Error {}

/** A config, its loaded specs and its store, opened for a command; `close` releases the store. */
export interface Opened {
  readonly config: GatehouseConfig;
  readonly store: Store;
  readonly apis: { config: GatehouseConfig['apis'][number]; spec: LoadedSpec }[];
  close(): Promise<void>;
}

/**
 * Opens a config for a command, with the specs of its APIs. `sections` limits loading to the
 * top-level sections the command uses: a secret it does not need must not stop it.
 */
export async function openConfig(file: string, options: { sections?: readonly string[] } = {}): Promise<Opened> {
  let config: GatehouseConfig;
  try {
    config = await loadConfig(file, options.sections === undefined ? {} : { sections: options.sections });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`${file}: ${error.problems.length} error(s)\n${error.problems.map(formatProblem).join('\n')}`);
    throw error;
  }
  const apis = await Promise.all(config.apis.map(async (api) => ({ config: api, spec: await loadSpec(api.spec) })));
  const store = await createStore(config.store);
  // Said once, in words, rather than as the first query's driver error ("Stream isn't writeable").
  const health = await store.health();
  if (!health.ok) {
    await store.close();
    throw new Error(`${file}: the store does not answer (${health.detail ?? 'no detail'})`);
  }
  return { config, store, apis, close: () => store.close() };
}

/** Writes a command's output file; a path that cannot be written is a usage error naming the option. */
export async function writeOutput(flag: string, file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot write (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * Opens a config whose store a command is about to write to. A memory store lives inside one
 * process: a key or revocation written there by the CLI would exist nowhere once it exits.
 */
export async function openForWrite(file: string, what: string, sections: readonly string[] = ['store']): Promise<Opened> {
  const opened = await openConfig(file, { sections });
  if ('memory' in opened.config.store) {
    await opened.close();
    throw new UsageError(`${file}: the store is memory, which lives only inside one gateway process: ${what} written from the command line would exist nowhere. Configure store: sqlite, redis, postgres or cluster (the one your gateways share)`);
  }
  return opened;
}

/** A duration argument (`30m`, `24h`, `7d`), or a UsageError naming the option. */
export function durationArg(flag: string, value: string, options: { min?: number } = {}): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < (options.min ?? 1)) throw new UsageError(`${flag}: "${value}" is not a duration such as 30m, 24h or 7d`);
  return ms;
}

export function sinceOf(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  return now - durationArg('--since', value, { min: 0 });
}

/** A whole number within bounds, or a UsageError naming the option. */
export function integerArg(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag}: "${value}" must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}`);
  }
  return n;
}

/** One of a fixed set of values, or a UsageError listing them. */
export function choiceArg<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${choices.join(', ')} (got "${value}")`);
  return value as T;
}

/** Runs a command body; a UsageError becomes a message and exit code 2, without a stack. */
export async function guarded(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
}

export function usage(message: string): void {
  process.stderr.write(`gatehouse: ${message}\n`);
  process.exitCode = 2;
}
