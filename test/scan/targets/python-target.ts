/**
 * Starts test/scan/targets/forms_api.py (Python's standard library: a different language, other
 * parsers than ours) on a free loopback port, and stops it.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export const FORMS_SPEC = new URL('./forms-api.yaml', import.meta.url).pathname;

export interface PythonTarget {
  readonly url: string;
  /** What the service recorded: logins, resets, documents and notes it parsed, requests it saw. */
  stats(): Promise<{ resets: number; logins: number; seen: string[]; documents: Record<string, unknown>[]; notes: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

export async function startFormsApi(options: { flaws?: readonly string[]; tokenUses?: number } = {}): Promise<PythonTarget> {
  const args = [new URL('./forms_api.py', import.meta.url).pathname];
  if (options.flaws !== undefined && options.flaws.length > 0) args.push('--flaws', options.flaws.join(','));
  if (options.tokenUses !== undefined) args.push('--token-uses', String(options.tokenUses));
  const child = spawn('python3', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`forms_api.py exited with ${String(code)} before listening`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(line)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    stats: async () => (await fetch(`${url}/stats`)).json() as ReturnType<PythonTarget['stats']>,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
