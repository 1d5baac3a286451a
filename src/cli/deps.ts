/**
 * `gatehouse deps [DIR] --db PATH [--format text|json|sarif] [--fail-on SEVERITY] [--ignore-file FILE]
 *  [--include-dev] [--update-db SOURCE]`
 * Exit codes: 0 pass; 1 a finding at or above --fail-on in what ships (or in dev packages with
 * --include-dev); 2 usage error, or an unreadable lock file, database or allow-list.
 */
import { Option, type Command } from 'commander';
import {
  SEVERITIES, SupplyError, type SupplyErrorCode, formatDepsJson, formatDepsSarif, formatDepsText, gateFails, loadIgnoreFile, loadOsvDatabase, parseFailOn,
  readLockGraph, scanProject, updateDatabase,
} from '../supply/index.js';

const FORMATS = ['text', 'json', 'sarif'] as const;

export interface DepsCliOptions {
  readonly db?: string;
  readonly format?: string;
  readonly failOn?: string;
  readonly ignoreFile?: string;
  readonly includeDev?: boolean;
  readonly updateDb?: string;
}

export interface DepsIo {
  readonly cwd: string;
  readonly now?: Date;
  write(s: string): void;
  error(s: string): void;
}

export async function runDeps(dir: string | undefined, opts: DepsCliOptions, io: DepsIo): Promise<0 | 1 | 2> {
  const format = opts.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) return usage(io, `--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  const failOn = parseFailOn(opts.failOn ?? 'high');
  if (failOn === undefined) return usage(io, `--fail-on must be one of ${SEVERITIES.join(', ')} (got "${opts.failOn ?? ''}")`);
  if (opts.db === undefined) return usage(io, '--db PATH is required (a folder or .zip of OSV records)');
  try {
    if (opts.updateDb !== undefined) {
      const u = await updateDatabase(opts.updateDb, opts.db).catch((err: unknown) => {
        throw err instanceof SupplyError ? new SupplyError(err.code as SupplyErrorCode, `--update-db ${err.message}`, { cause: err }) : err;
      });
      io.error(`gatehouse deps: database ${u.to} updated from ${u.from} (${u.records} records)\n`);
      // Refreshing alone is a complete command; give DIR to scan right after.
      if (dir === undefined) return 0;
    }
    const graph = readLockGraph(dir ?? '.');
    const db = loadOsvDatabase(opts.db);
    const ignores = opts.ignoreFile === undefined ? [] : loadIgnoreFile(opts.ignoreFile);
    const report = scanProject(graph, db, { ignores, ...(io.now === undefined ? {} : { now: io.now }) });
    io.write(format === 'json' ? formatDepsJson(report, io.cwd) : format === 'sarif' ? formatDepsSarif(report, io.cwd) : formatDepsText(report, io.cwd));
    return gateFails(report, failOn, opts.includeDev === true) ? 1 : 0;
  } catch (err) {
    if (err instanceof SupplyError) return usage(io, err.message);
    throw err;
  }
}

function usage(io: DepsIo, message: string): 2 {
  io.error(`gatehouse deps: ${message}\n`);
  return 2;
}

export function registerDeps(program: Command): void {
  program
    .command('deps')
    .description('match a Node project\'s packages against an OSV vulnerability database on disk; exit 1 when the gate fails')
    .argument('[dir]', 'project folder holding package-lock.json (default: the current folder)')
    .requiredOption('--db <path>', 'OSV database: a folder or .zip of OSV JSON records (npm/all.zip)')
    .addOption(new Option('--format <format>', `output format: ${FORMATS.join(', ')}`).default('text'))
    .addOption(new Option('--fail-on <severity>', `exit 1 on findings at or above: ${SEVERITIES.join(', ')}`).default('high'))
    .option('--ignore-file <file>', 'YAML allow-list: ignore: [{ id, reason, expires, package? }]')
    .option('--include-dev', 'let development-only packages fail the gate too')
    .option('--update-db <source>', 'refresh --db first from a file, folder, file:// or http(s) URL')
    .action(async (dir: string | undefined, opts: DepsCliOptions) => {
      process.exitCode = await runDeps(dir, opts, {
        cwd: process.cwd(),
        write: (s) => process.stdout.write(s),
        error: (s) => process.stderr.write(s),
      });
    });
}
