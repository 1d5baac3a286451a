/**
 * `gatehouse sbom [DIR] [--format cyclonedx-json|spdx-json] [--spec-version 1.5|1.6] [--output FILE] [--self]`
 * Exit codes: 0 written; 2 usage error or no readable lock file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { CYCLONEDX_VERSIONS, SupplyError, cycloneDxSbom, readLockGraph, spdxSbom, type CycloneDxVersion } from '../supply/index.js';

const FORMATS = ['cyclonedx-json', 'spdx-json'] as const;

export interface SbomCliOptions {
  readonly format?: string;
  readonly specVersion?: string;
  readonly output?: string;
  readonly self?: boolean;
}

export interface CliIo {
  write(s: string): void;
  error(s: string): void;
}

/** The folder holding Gatehouse's own package.json (works from src/ and from dist/src/). */
export function gatehouseRoot(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'gatehouse') return dir;
    const up = dirname(dir);
    if (up === dir) throw new SupplyError('GH_SUPPLY_NO_LOCKFILE', 'cannot find the Gatehouse package folder');
    dir = up;
  }
}

export function runSbom(dir: string | undefined, opts: SbomCliOptions, io: CliIo): 0 | 2 {
  const format = opts.format ?? 'cyclonedx-json';
  if (!(FORMATS as readonly string[]).includes(format)) return usage(io, `--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  const spec = opts.specVersion ?? '1.6';
  if (!(CYCLONEDX_VERSIONS as readonly string[]).includes(spec)) return usage(io, `--spec-version must be one of ${CYCLONEDX_VERSIONS.join(', ')} (got "${spec}")`);
  if (opts.self === true && dir !== undefined) return usage(io, 'give either DIR or --self, not both');
  try {
    const graph = readLockGraph(opts.self === true ? gatehouseRoot() : dir ?? '.');
    const out = format === 'spdx-json' ? spdxSbom(graph) : cycloneDxSbom(graph, { specVersion: spec as CycloneDxVersion });
    if (opts.output === undefined) io.write(out);
    else {
      try {
        writeFileSync(opts.output, out);
      } catch (err) {
        return usage(io, `--output ${opts.output}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
    return 0;
  } catch (err) {
    if (err instanceof SupplyError) return usage(io, err.message);
    throw err;
  }
}

function usage(io: CliIo, message: string): 2 {
  io.error(`gatehouse sbom: ${message}\n`);
  return 2;
}

export function registerSbom(program: Command): void {
  program
    .command('sbom')
    .description('software bill of materials of a Node project from its lock file (CycloneDX or SPDX JSON)')
    .argument('[dir]', 'project folder holding package-lock.json (default: the current folder)')
    .addOption(new Option('--format <format>', `output format: ${FORMATS.join(', ')}`).default('cyclonedx-json'))
    .addOption(new Option('--spec-version <v>', `CycloneDX version: ${CYCLONEDX_VERSIONS.join(', ')}`).default('1.6'))
    .option('-o, --output <file>', 'write to FILE instead of standard output')
    .option('--self', 'the SBOM of Gatehouse itself')
    .action((dir: string | undefined, opts: SbomCliOptions) => {
      process.exitCode = runSbom(dir, opts, { write: (s) => process.stdout.write(s), error: (s) => process.stderr.write(s) });
    });
}
