/**
 * `gatehouse detect [--input FILE] [--format text|jsonl]`: runs the injection detectors offline on JSON lines,
 * each with either `value` (one string, optional `kind`) or a raw request (`method`, `uri`, `headers`, `body`).
 * Exit code: 0 no attack, 1 at least one attack, 2 bad input (the message names the line).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { detectRequest, detectValue, type Detection, type ValueKind } from '../detect/index.js';

export type DetectFormat = 'text' | 'jsonl';

export interface DetectLineResult {
  id: unknown;
  attack: boolean;
  categories: string[];
  fragments: { category: string; fragment: string; location?: string }[];
}

const KINDS: ReadonlySet<string> = new Set(['url', 'rendered', 'path', 'generic']);

/** Judges one parsed input line; throws an Error with a readable message when the line has the wrong shape. */
export function judgeLine(input: unknown): DetectLineResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('expected a JSON object');
  const o = input as Record<string, unknown>;
  let found: Detection[];
  if (typeof o.value === 'string') {
    if (o.kind !== undefined && (typeof o.kind !== 'string' || !KINDS.has(o.kind))) throw new Error('"kind" must be url, rendered, path or generic');
    const d = detectValue(o.value, o.kind === undefined ? undefined : { kind: o.kind as ValueKind });
    found = d ? [d] : [];
  } else if (typeof o.uri === 'string') {
    if (o.headers !== undefined && o.headers !== null && (typeof o.headers !== 'object' || Array.isArray(o.headers))) {
      throw new Error('"headers" must be an object');
    }
    found = detectRequest({
      uri: o.uri,
      ...(typeof o.method === 'string' ? { method: o.method } : {}),
      ...(o.headers ? { headers: o.headers as Record<string, string> } : {}),
      ...(o.body !== undefined ? { body: o.body } : {}),
    });
  } else {
    throw new Error('expected "value" (a string) or "uri" (a raw request)');
  }
  const categories = [...new Set(found.map((d) => d.category))];
  return {
    id: o.id ?? null,
    attack: found.length > 0,
    categories,
    fragments: found.map((d) => ({ category: d.category, fragment: d.fragment, ...(d.location ? { location: d.location } : {}) })),
  };
}

function formatText(r: DetectLineResult): string {
  const id = r.id === null ? '-' : typeof r.id === 'string' ? r.id : JSON.stringify(r.id);
  if (!r.attack) return `${id}\tok`;
  const parts = r.fragments.map((f) => `${f.category}${f.location ? ` at ${f.location}` : ''}: ${JSON.stringify(f.fragment)}`);
  return `${id}\tATTACK\t${parts.join('; ')}`;
}

/** Runs the command over a stream of lines; returns the exit code. */
export async function runDetect(input: Readable, out: Writable, err: Writable, format: DetectFormat): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let attacks = 0;
  let bad = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim().length === 0) continue;
    let result: DetectLineResult;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        throw new Error(`invalid JSON (${(e as Error).message})`);
      }
      result = judgeLine(parsed);
    } catch (e) {
      bad++;
      err.write(`gatehouse detect: line ${lineNo}: ${(e as Error).message}\n`);
      continue;
    }
    if (result.attack) attacks++;
    out.write((format === 'jsonl' ? JSON.stringify(result) : formatText(result)) + '\n');
  }
  return bad > 0 ? 2 : attacks > 0 ? 1 : 0;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('run the injection detectors on JSON lines ({"id","value"} or a raw request {"id","method","uri","headers","body"})')
    .option('--input <file>', 'read JSON lines from FILE instead of standard input')
    .option('--format <format>', 'output format: text or jsonl', 'text')
    .action(async (opts: { input?: string; format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'jsonl') {
        process.stderr.write(`gatehouse detect: --format must be text or jsonl, not "${opts.format}"\n`);
        process.exitCode = 2;
        return;
      }
      let input: Readable = process.stdin;
      if (opts.input !== undefined) {
        const file = createReadStream(opts.input);
        const opened = await new Promise<Error | undefined>((resolve) => {
          file.once('open', () => resolve(undefined));
          file.once('error', (e) => resolve(e));
        });
        if (opened) {
          process.stderr.write(`gatehouse detect: cannot read ${opts.input}: ${opened.message}\n`);
          process.exitCode = 2;
          return;
        }
        input = file;
      }
      process.exitCode = await runDetect(input, process.stdout, process.stderr, opts.format);
    });
}
