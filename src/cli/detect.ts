/**
 * `gatehouse detect [--input FILE] [--format text|jsonl] [--level 1..4]`: runs the injection detectors offline
 * on JSON lines, each with `value` (one string, optional `kind`), a raw request (`method`, `uri`, `headers`,
 * `body`) or `raw` (the request as HTTP/1.1 text). Each finding names its rule, level and deciding tokens.
 * Exit code: 0 no attack, 1 at least one attack, 2 bad input (the message names the line).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { detectRequest, detectValue, parseRawHttp, type Detection, type Level, type ValueKind } from '../detect/index.js';

export type DetectFormat = 'text' | 'jsonl';

export interface DetectLineResult {
  id: unknown;
  attack: boolean;
  categories: string[];
  fragments: { category: string; rule: string; level: number; reason: string; tokens: readonly string[]; fragment: string; location?: string }[];
}

const KINDS: ReadonlySet<string> = new Set(['url', 'rendered', 'path', 'generic']);

/** Judges one parsed input line; throws an Error with a readable message when the line has the wrong shape. */
export function judgeLine(input: unknown, level: Level = 1): DetectLineResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('expected a JSON object');
  const o = input as Record<string, unknown>;
  let found: Detection[];
  if (typeof o.value === 'string') {
    if (o.kind !== undefined && (typeof o.kind !== 'string' || !KINDS.has(o.kind))) throw new Error('"kind" must be url, rendered, path or generic');
    const d = detectValue(o.value, o.kind === undefined ? { level } : { kind: o.kind as ValueKind, level });
    found = d ? [d] : [];
  } else if (typeof o.raw === 'string') {
    found = detectRequest(parseRawHttp(o.raw), { level });
  } else if (typeof o.uri === 'string') {
    if (o.headers !== undefined && o.headers !== null && (typeof o.headers !== 'object' || Array.isArray(o.headers))) {
      throw new Error('"headers" must be an object');
    }
    found = detectRequest({
      uri: o.uri,
      ...(typeof o.method === 'string' ? { method: o.method } : {}),
      ...(o.headers ? { headers: o.headers as Record<string, string> } : {}),
      ...(o.body !== undefined ? { body: o.body } : {}),
    }, { level });
  } else {
    throw new Error('expected "value" (a string), "uri" (a request) or "raw" (HTTP/1.1 request text)');
  }
  const categories = [...new Set(found.map((d) => d.category))];
  return {
    id: o.id ?? null,
    attack: found.length > 0,
    categories,
    fragments: found.map((d) => ({
      category: d.category, rule: d.rule, level: d.level, reason: d.reason, tokens: d.tokens, fragment: d.fragment,
      ...(d.location ? { location: d.location } : {}),
    })),
  };
}

function formatText(r: DetectLineResult): string {
  const id = r.id === null ? '-' : typeof r.id === 'string' ? r.id : JSON.stringify(r.id);
  if (!r.attack) return `${id}\tok`;
  const parts = r.fragments.map((f) => `${f.category}${f.location ? ` at ${f.location}` : ''}: ${f.rule} (level ${f.level}) on ${f.tokens.map((t) => JSON.stringify(t)).join(' ')}`);
  return `${id}\tATTACK\t${parts.join('; ')}`;
}

/** Runs the command over a stream of lines; returns the exit code. */
export async function runDetect(input: Readable, out: Writable, err: Writable, format: DetectFormat, level: Level = 1): Promise<number> {
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
      result = judgeLine(parsed, level);
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
    .description('run the injection detectors on JSON lines ({"id","value"}, a request {"id","method","uri","headers","body"} or {"id","raw"})')
    .option('--input <file>', 'read JSON lines from FILE instead of standard input')
    .option('--format <format>', 'output format: text or jsonl', 'text')
    .option('--level <level>', 'paranoia level 1 (fewest false positives) to 4 (most rules), as in the injection policy', '1')
    .action(async (opts: { input?: string; format: string; level: string }) => {
      if (opts.format !== 'text' && opts.format !== 'jsonl') {
        process.stderr.write(`gatehouse detect: --format must be text or jsonl, not "${opts.format}"\n`);
        process.exitCode = 2;
        return;
      }
      if (!/^[1-4]$/.test(opts.level)) {
        process.stderr.write(`gatehouse detect: --level must be 1, 2, 3 or 4, not "${opts.level}"\n`);
        process.exitCode = 2;
        return;
      }
      const level = Number(opts.level) as Level;
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
      process.exitCode = await runDetect(input, process.stdout, process.stderr, opts.format, level);
    });
}
