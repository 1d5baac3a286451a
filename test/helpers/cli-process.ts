import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const register = fileURLToPath(new URL('./ts-register.mjs', import.meta.url));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcess;
  /** Log lines (JSON) printed so far. */
  readonly logs: Record<string, unknown>[];
  /** Everything on stderr so far. */
  stderr(): string;
  /** Resolves with the first log line that matches, or rejects when the process exits first. */
  line(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/**
 * A real `gatehouse` process run from the TypeScript sources under test (test/helpers/ts-hooks.mjs),
 * so signals, exit codes and the process's own shutdown are what is tested.
 */
export function startCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', register, main, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const waiting: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let err = '';
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      if (raw.trim() === '') continue;
      let line: Record<string, unknown>;
      try { line = JSON.parse(raw) as Record<string, unknown>; } catch { line = { msg: raw }; }
      logs.push(line);
      for (const w of [...waiting]) if (w.match(line)) { waiting.splice(waiting.indexOf(w), 1); w.resolve(line); }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString('utf8'); });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    logs,
    stderr: () => err,
    exited,
    line(match) {
      const found = logs.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiting.push({ match, resolve });
        void exited.then((code) => reject(new Error(`gatehouse exited (${String(code)}) before the expected log line; stderr: ${err}`)));
      });
    },
  };
}
