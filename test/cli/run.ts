import { runCli } from '../../src/cli/program.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs `gatehouse ARGS` in this process, through the same entry as the binary (argument parsing,
 * commander's own errors, exit code), with standard output and error captured. Sequential use
 * only: the streams and `process.exitCode` are the process's own.
 */
export async function gatehouse(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => { out += String(chunk); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { err += String(chunk); return true; }) as typeof process.stderr.write;
  process.exitCode = undefined;
  let code: number;
  try {
    code = await runCli(['node', 'gatehouse', ...args]);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.exitCode = undefined;
  }
  return { code, out, err };
}
