/**
 * An attack campaign against running gateways: for each target, legitimate checks, fuzzed
 * requests, malformed raw requests, forged tokens and fault scenarios, every answer counted.
 * `npm run campaign` runs it (run.ts); a small run of it is part of the test suite.
 */
import { Agent, request } from 'undici';
import { fuzzRequests } from './fuzz.js';
import type { GatehouseCommand } from './processes.js';
import { bearerRequest, rawCases, sendRaw, type RawOutcome } from './raw.js';
import { TargetTally, type CampaignReport, type Phase } from './tally.js';
import { startDemo, startHardened, type HttpCall, type Target } from './targets.js';

export const TARGETS = ['demo', 'hardened'] as const;
export type TargetName = (typeof TARGETS)[number];

export interface CampaignOptions {
  /** Fuzzed requests in all, shared among the targets. */
  readonly count: number;
  readonly seed: number;
  /** The fuzzing stops at this deadline; the fixed sets (raw, forged, faults) always run. */
  readonly maxSeconds: number;
  readonly concurrency: number;
  readonly targets: readonly TargetName[];
  readonly gatehouse: GatehouseCommand;
  /** Progress lines (stderr in run.ts). */
  readonly progress?: (line: string) => void;
}

interface Answer { status: number | 'no answer' | 'timeout'; body: string; code: string | undefined; unsent?: true }

/**
 * 5xx statuses that are refusals of the client's protocol, not failures: 505 for an HTTP version
 * the gateway does not speak (RFC 9110 §15.6.6; issue 14 asks for it), 501 for a method or
 * transfer coding it does not implement (§15.6.2). Counted under their status like any answer.
 */
const PROTOCOL_REFUSALS = new Set([501, 505]);

/** A stack frame, or the sample service's secrets: what an answer must never carry. */
const LEAK = /\n\s+at .+:\d+:\d+\)?|hunter2|\$2b\$10\$/;

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = Date.now();
  const deadline = started + options.maxSeconds * 1000;
  const agent = new Agent({ connections: options.concurrency, headersTimeout: 20_000, bodyTimeout: 20_000, connectTimeout: 5_000 });
  const tallies: TargetTally[] = [];
  try {
    for (const [i, name] of options.targets.entries()) {
      const share = Math.floor(options.count / options.targets.length) + (i < options.count % options.targets.length ? 1 : 0);
      const t0 = Date.now();
      const target = name === 'demo' ? await startDemo(options.gatehouse) : await startHardened(options.gatehouse);
      options.progress?.(`${name}: gateway started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const tally = new TargetTally(name);
      tallies.push(tally);
      try {
        await attack(target, tally, { ...options, share, deadline, agent });
      } finally {
        tally.crashes = target.gateway.crashes.length;
        tally.uncaught = target.gateway.uncaught.length;
        tally.errorLines = target.gateway.errorLines;
        tally.smuggledToUpstream = target.hiddenHits();
        await target.close();
      }
    }
  } finally {
    await agent.close();
  }
  const failures = tallies.flatMap((t) => t.failures());
  return { seed: options.seed, count: options.count, seconds: (Date.now() - started) / 1000, targets: tallies, failures };
}

interface AttackOptions extends CampaignOptions { readonly share: number; readonly deadline: number; readonly agent: Agent }

async function attack(target: Target, tally: TargetTally, o: AttackOptions): Promise<void> {
  const t0 = Date.now();
  const say = (line: string): void => o.progress?.(`${line} (at ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const send = (call: HttpCall | { method: string; path: string; headers: Record<string, string>; body?: Buffer | string | undefined }): Promise<Answer> => http(o.agent, target, call);

  // Legitimate twins first: if they do not pass, nothing below means anything.
  for (const call of [target.read, target.write]) {
    const a = await send(call);
    tally.answer('check', a.status);
    if (a.status !== 200 && a.status !== 201) throw new Error(`${target.name}: the legitimate ${call.method} ${call.path} was answered ${a.status} ${a.code ?? ''}: the target is not set up right`);
  }

  say(`${target.name}: ${o.share} fuzzed requests (seed ${o.seed})`);
  const record = (phase: Phase, what: string, method: string, path: string, a: Answer): void => {
    tally.answer(phase, a.status);
    if (LEAK.test(a.body)) tally.leaks.push({ target: target.name, phase, what, status: a.status, code: a.code });
    if (typeof a.status === 'number' && a.status >= 500 && !PROTOCOL_REFUSALS.has(a.status)) {
      const sample = { target: target.name, phase, what, status: a.status, code: a.code };
      if (a.code === 'GH_UPSTREAM_ERROR' && target.knownDefect(method, path)) tally.knownUpstreamDefects.push(sample);
      else tally.clientCaused5xx.push(sample);
    }
  };
  const requests = fuzzRequests({ operations: target.operations, ...target.credentials }, o.seed, o.share);
  await pool(o.concurrency, requests, async (r) => {
    if (Date.now() > o.deadline) return false;
    const a = await send(r);
    if (a.unsent === true) return true;
    record('fuzz', `${r.method} ${r.path.slice(0, 120)}${r.body === undefined ? '' : ` (${r.body.length} byte body ${preview(r.body)})`}`, r.method, r.path, a);
    return true;
  });

  const cases = rawCases({
    host: '127.0.0.1', readPath: target.read.path, writePath: target.write.path, body: target.write.body ?? '{}',
    auth: `Authorization: ${target.read.headers.authorization ?? ''}`, hidden: target.hidden,
  });
  say(`${target.name}: ${cases.length} malformed raw requests`);
  const raw = async (bytes: Buffer): Promise<RawOutcome> => (await target.gateway.ready() ? sendRaw(target.gateway.url, bytes, 5_000) : { statuses: [], timedOut: false, text: '' });
  const recordRaw = (phase: Phase, what: string, outcome: RawOutcome): void => {
    // The first final answer: a 100 Continue is interim.
    const first = outcome.statuses.find((s) => s >= 200);
    tally.answer(phase, first ?? (outcome.timedOut ? 'timeout' : 'no answer'));
    if (LEAK.test(outcome.text)) tally.leaks.push({ target: target.name, phase, what, status: first ?? 'no answer' });
    const bad = outcome.statuses.find((s) => s >= 500 && !PROTOCOL_REFUSALS.has(s));
    if (bad !== undefined) tally.clientCaused5xx.push({ target: target.name, phase, what, status: bad });
  };
  await pool(Math.min(8, o.concurrency), cases[Symbol.iterator](), async (c) => {
    recordRaw('raw', c.name, await raw(c.bytes));
    return true;
  });

  say(`${target.name}: ${target.forged.length} forged tokens`);
  // On a raw socket: every forgery reaches the gateway byte for byte, even those a client library refuses.
  await pool(Math.min(8, o.concurrency), target.forged[Symbol.iterator](), async (f) => {
    const outcome = await raw(bearerRequest(target.readPath, f.token));
    tally.forgedSent++;
    recordRaw('forged', f.name, outcome);
    const status = outcome.statuses.find((s) => s >= 200);
    if (status !== undefined && status < 400) tally.forgedAccepted.push({ target: target.name, phase: 'forged', what: f.name, status });
    return true;
  });
  const twin = await send(target.read);
  tally.answer('check', twin.status);
  if (twin.status !== 200) throw new Error(`${target.name}: after the forged tokens the legitimate read was answered ${twin.status} ${twin.code ?? ''}`);

  await faults(target, tally, send, say);
  say(`${target.name}: done`);
}

async function faults(target: Target, tally: TargetTally, send: (c: HttpCall) => Promise<Answer>, say: (line: string) => void): Promise<void> {
  const scenarios: [string, () => Promise<void>, () => Promise<void>][] = [
    ['upstream down (connection refused)', () => target.fault.set('down'), () => target.fault.set('pass')],
    ['upstream hangs (never answers)', () => target.fault.set('hang'), () => target.fault.set('pass')],
    ['upstream resets connections', () => target.fault.set('reset'), () => target.fault.set('pass')],
    ['upstream answers garbage', () => target.fault.set('garbage'), () => target.fault.set('pass')],
    ['upstream cuts its answer short', () => target.fault.set('truncate'), () => target.fault.set('pass')],
  ];
  const redis = target.redis;
  if (redis !== undefined) scenarios.push(['store down (redis killed)', () => redis.down(), () => redis.up()]);
  say(`${target.name}: ${scenarios.length} fault scenarios`);
  for (const [scenario, breakIt, mend] of scenarios) {
    say(`${target.name}: ${scenario}`);
    await breakIt();
    const statuses: Record<string, number> = {};
    const during = await Promise.all([target.read, target.read, target.write, target.read].map((c) => send(c)));
    for (const a of during) {
      tally.answer('fault', a.status);
      statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
      if (typeof a.status === 'number' && a.status >= 500) tally.faultCaused5xx++;
    }
    await mend();
    let recovered = false;
    const until = Date.now() + 30_000;
    while (!recovered && Date.now() < until) {
      const a = await send(target.read);
      tally.answer('fault', a.status);
      if (typeof a.status === 'number' && a.status >= 500) tally.faultCaused5xx++;
      recovered = a.status === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 250));
    }
    tally.faults.push({ target: target.name, scenario, statuses, recovered });
  }
}

async function http(agent: Agent, target: Target, call: { method: string; path: string; headers: Record<string, string>; body?: Buffer | string | undefined }): Promise<Answer> {
  if (!await target.gateway.ready()) return { status: 'no answer', body: '', code: undefined };
  try {
    const res = await request(`${target.gateway.url}${call.path}`, {
      dispatcher: agent, method: call.method as 'GET', headers: call.headers, body: call.body ?? null,
    });
    const body = await res.body.text();
    let code: string | undefined;
    if (res.statusCode >= 400 && body.startsWith('{')) {
      try { code = (JSON.parse(body) as { code?: string }).code; } catch { /* not problem+json */ }
    }
    return { status: res.statusCode, body, code };
  } catch (error) {
    const name = (error as { code?: string }).code ?? '';
    // What the client library refused to put on the wire was never a request (raw.ts sends those).
    if (name === 'UND_ERR_INVALID_ARG' || name === 'UND_ERR_NOT_SUPPORTED') return { status: 'no answer', body: '', code: name, unsent: true };
    return { status: /TIMEOUT/.test(name) ? 'timeout' : 'no answer', body: '', code: name };
  }
}

/** The start of a body, printable: non-ASCII as \\uXXXX, so a reader sees a BOM or a NUL. */
function preview(body: Buffer): string {
  const text = JSON.stringify(body.subarray(0, 48).toString('utf8'));
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Runs `work` over `items` with at most `width` at a time; `work` returns false to stop early. */
async function pool<T>(width: number, items: Iterator<T>, work: (item: T) => Promise<boolean>): Promise<void> {
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const next = items.next();
      if (next.done === true) return;
      if (!await work(next.value)) stop = true;
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}
