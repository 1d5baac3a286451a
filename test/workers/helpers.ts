import { request } from 'node:http';
import type { CliProcess } from '../helpers/cli-process.js';

/**
 * A GET on a connection of its own (no keep-alive agent): under workers the primary hands each
 * new connection to the next worker, so a run of these reaches every worker in turn.
 */
export function freshGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function countOf(statuses: readonly number[], status: number): number {
  return statuses.filter((s) => s === status).length;
}

/** Waits for the `n`-th log line that matches (earlier ones included), or rejects when the process exits first. */
export async function nthLine(cli: CliProcess, n: number, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>[]> {
  for (;;) {
    const found = cli.logs.filter(match);
    if (found.length >= n) return found;
    // Waits for the next matching line after those already seen.
    await cli.line((l) => match(l) && cli.logs.filter(match).length >= n);
  }
}

/** The value of one Prometheus series in an exposition text, summed over the lines that match. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
