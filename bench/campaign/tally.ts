/**
 * What an attack campaign counts, per target, and the summary it prints. The verdict is a
 * count of failures a security gateway must never have: a forged token accepted, a 5xx that a
 * client's input caused (any 5xx outside a fault scenario), a crash or an uncaught error in the
 * gateway's own code, a stack trace or secret in an answer, a request smuggled to the upstream,
 * a fault the gateway did not recover from.
 */
export type Phase = 'check' | 'fuzz' | 'raw' | 'forged' | 'fault';

export interface Sample {
  readonly target: string;
  readonly phase: Phase;
  readonly what: string;
  readonly status: number | string;
  readonly code?: string | undefined;
}

export interface FaultResult {
  readonly target: string;
  readonly scenario: string;
  /** The answers during the fault, by status. */
  readonly statuses: Record<string, number>;
  readonly recovered: boolean;
}

export class TargetTally {
  readonly requests: Record<Phase, number> = { check: 0, fuzz: 0, raw: 0, forged: 0, fault: 0 };
  /** By status code, or `no answer` (closed, reset) and `timeout`. */
  readonly statuses = new Map<string, number>();
  readonly clientCaused5xx: Sample[] = [];
  readonly knownUpstreamDefects: Sample[] = [];
  faultCaused5xx = 0;
  forgedSent = 0;
  readonly forgedAccepted: Sample[] = [];
  readonly leaks: Sample[] = [];
  smuggledToUpstream = 0;
  readonly faults: FaultResult[] = [];
  crashes = 0;
  uncaught = 0;
  errorLines = 0;

  constructor(readonly target: string) {}

  answer(phase: Phase, status: number | 'no answer' | 'timeout'): void {
    this.requests[phase]++;
    const key = String(status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }

  get total(): number {
    return Object.values(this.requests).reduce((a, b) => a + b, 0);
  }

  failures(): string[] {
    const out: string[] = [];
    if (this.forgedAccepted.length > 0) out.push(`${this.target}: ${this.forgedAccepted.length} forged token(s) accepted`);
    if (this.clientCaused5xx.length > 0) out.push(`${this.target}: ${this.clientCaused5xx.length} 5xx answer(s) to client input`);
    if (this.crashes > 0) out.push(`${this.target}: the gateway crashed ${this.crashes} time(s)`);
    if (this.uncaught > 0) out.push(`${this.target}: ${this.uncaught} uncaught exception(s) logged`);
    if (this.leaks.length > 0) out.push(`${this.target}: ${this.leaks.length} answer(s) with a stack trace or an upstream secret`);
    if (this.smuggledToUpstream > 0) out.push(`${this.target}: ${this.smuggledToUpstream} request(s) smuggled to the upstream`);
    for (const f of this.faults) if (!f.recovered) out.push(`${this.target}: did not recover after "${f.scenario}"`);
    return out;
  }
}

export interface CampaignReport {
  readonly seed: number;
  readonly count: number;
  readonly seconds: number;
  readonly targets: readonly TargetTally[];
  readonly failures: readonly string[];
}

function statusClass(status: string): string {
  return /^\d{3}$/.test(status) ? `${status[0] ?? '?'}xx` : status;
}

/** The summary table: one column per target and a total. */
export function formatReport(r: CampaignReport): string {
  const cols = [...r.targets.map((t) => t.target), 'total'];
  const rows: [string, (t: TargetTally) => number | string][] = [
    ['requests', (t) => t.total],
    ['  fuzzed (fast-check)', (t) => t.requests.fuzz],
    ['  malformed raw requests', (t) => t.requests.raw],
    ['  forged tokens', (t) => t.forgedSent],
    ['  fault scenarios (requests)', (t) => t.requests.fault],
    ['  legitimate checks', (t) => t.requests.check],
  ];
  const classes = [...new Set(r.targets.flatMap((t) => [...t.statuses.keys()].map(statusClass)))].sort();
  for (const c of classes) rows.push([`answers ${c}`, (t) => [...t.statuses].filter(([s]) => statusClass(s) === c).reduce((n, [, v]) => n + v, 0)]);
  rows.push(
    ['5xx caused by client input', (t) => t.clientCaused5xx.length],
    ['5xx in fault scenarios', (t) => t.faultCaused5xx],
    ['forged tokens accepted', (t) => t.forgedAccepted.length],
    ['crashes', (t) => t.crashes],
    ['uncaught errors logged', (t) => t.uncaught],
    ['stack traces or secrets answered', (t) => t.leaks.length],
    ['requests smuggled to the upstream', (t) => t.smuggledToUpstream],
    ['fault scenarios recovered', (t) => `${t.faults.filter((f) => f.recovered).length}/${t.faults.length}`],
  );
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const cell = (v: number | string): string => String(v).padStart(12);
  const lines = [
    `Gatehouse attack campaign: seed ${r.seed}, ${r.count} fuzzed requests asked, ${r.seconds.toFixed(0)} s`,
    '',
    `${''.padEnd(width)}${cols.map(cell).join('')}`,
  ];
  for (const [label, value] of rows) {
    const values = r.targets.map(value);
    const total = values.every((v) => typeof v === 'number') ? (values as number[]).reduce((a, b) => a + b, 0)
      : `${r.targets.reduce((n, t) => n + t.faults.filter((f) => f.recovered).length, 0)}/${r.targets.reduce((n, t) => n + t.faults.length, 0)}`;
    lines.push(`${label.padEnd(width)}${[...values, total].map(cell).join('')}`);
  }
  const statuses = [...new Set(r.targets.flatMap((t) => [...t.statuses.keys()]))].sort();
  lines.push('', `answers by status: ${statuses.map((s) => `${s} ${r.targets.reduce((n, t) => n + (t.statuses.get(s) ?? 0), 0)}`).join(', ')}`);
  const faults = r.targets.flatMap((t) => t.faults);
  if (faults.length > 0) {
    lines.push('', 'fault scenarios:');
    for (const f of faults) lines.push(`  ${f.target.padEnd(10)} ${f.scenario.padEnd(34)} ${Object.entries(f.statuses).map(([s, n]) => `${s} x${n}`).join(', ').padEnd(28)} ${f.recovered ? 'recovered' : 'NOT RECOVERED'}`);
  }
  const samples: [string, Sample[]][] = [
    ['5xx caused by client input', r.targets.flatMap((t) => t.clientCaused5xx)],
    ['forged tokens accepted', r.targets.flatMap((t) => t.forgedAccepted)],
    ['stack traces or secrets answered', r.targets.flatMap((t) => t.leaks)],
    ['known upstream defects (excluded: the demo service crashes on purpose)', r.targets.flatMap((t) => t.knownUpstreamDefects)],
  ];
  for (const [title, list] of samples) {
    if (list.length === 0) continue;
    lines.push('', `${title} (first ${Math.min(10, list.length)} of ${list.length}):`);
    for (const s of list.slice(0, 10)) lines.push(`  ${s.target} ${s.phase}: ${s.what} -> ${s.status}${s.code === undefined ? '' : ` ${s.code}`}`);
  }
  lines.push('', r.failures.length === 0 ? 'verdict: pass' : `verdict: FAIL\n${r.failures.map((f) => `  ${f}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}

export function reportJson(r: CampaignReport): string {
  return `${JSON.stringify({
    seed: r.seed, count: r.count, seconds: Math.round(r.seconds), failures: r.failures,
    targets: r.targets.map((t) => ({
      target: t.target, requests: { ...t.requests, total: t.total }, statuses: Object.fromEntries(t.statuses),
      clientCaused5xx: t.clientCaused5xx, faultCaused5xx: t.faultCaused5xx, forgedSent: t.forgedSent, forgedAccepted: t.forgedAccepted,
      crashes: t.crashes, uncaught: t.uncaught, errorLines: t.errorLines, leaks: t.leaks, smuggledToUpstream: t.smuggledToUpstream,
      knownUpstreamDefects: t.knownUpstreamDefects, faults: t.faults,
    })),
  }, null, 2)}\n`;
}
