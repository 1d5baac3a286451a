/**
 * `npm run eval:anomaly`: false alarms of the anomaly detectors on a generated day of normal
 * traffic (bench/anomaly/day.ts), the alerts each injected attack raises, and the detectors'
 * cost per observation. Bounded: one day at ANOMALY_SCALE (default 1, ~110,000 requests), fed
 * in process with the observations' own timestamps. Measures, does not assert (the test
 * test/anomaly/day.test.ts asserts on a smaller day).
 */
import { fileURLToPath } from 'node:url';
import type { AlertDraft } from '../../src/anomaly/alert.js';
import { DEFAULT_DETECTORS } from '../../src/anomaly/config.js';
import { Detectors } from '../../src/anomaly/detectors.js';
import type { Observation } from '../../src/inventory/observation.js';
import { median } from '../measure.js';
import { generateDay, type Attack } from './day.js';

function run(observations: readonly Observation[]): { alerts: AlertDraft[]; ns: number } {
  const d = new Detectors(DEFAULT_DETECTORS);
  const alerts: AlertDraft[] = [];
  const started = process.hrtime.bigint();
  for (const o of observations) {
    const fired = d.feed(o);
    for (const a of fired) alerts.push(a);
  }
  const ns = Number(process.hrtime.bigint() - started) / observations.length;
  alerts.push(...d.drain(Number.MAX_SAFE_INTEGER, true));
  return { alerts, ns };
}

function describe(a: AlertDraft): string {
  return `${a.type} ${a.subject.value} (confidence ${a.confidence}, ${a.severity}, count ${a.evidence.count})`;
}

export function evaluate(scale: number): string[] {
  const lines: string[] = [];
  const normal = generateDay({ scale, attacks: false });
  const attacked = generateDay({ scale, attacks: true });
  const quiet = run(normal.observations);
  const hours = 24;
  lines.push(`normal day: ${normal.observations.length} requests, ${quiet.alerts.length} alert(s) (${(quiet.alerts.length / hours).toFixed(2)} per hour)`);
  for (const a of quiet.alerts) lines.push(`  false alarm: ${describe(a)}`);
  const costs: number[] = [];
  const result = run(attacked.observations);
  costs.push(result.ns);
  for (let i = 0; i < 4; i++) costs.push(run(attacked.observations).ns);
  const matched = (attack: Attack): AlertDraft[] => result.alerts.filter((a) => a.type === attack.type && a.subject.value === attack.subject);
  lines.push(`day with attacks: ${attacked.observations.length} requests, ${result.alerts.length} alert(s)`);
  for (const attack of attacked.attacks) {
    const found = matched(attack);
    lines.push(`  ${attack.name}: ${found.length} ${attack.type} alert(s)${found.map((a) => `; ${describe(a)}`).join('')}`);
  }
  const others = result.alerts.filter((a) => !attacked.attacks.some((k) => a.type === k.type && a.subject.value === k.subject));
  lines.push(`  other alerts: ${others.length}${others.map((a) => `; ${describe(a)}`).join('')}`);
  lines.push(`cost: ${Math.round(median(costs))} ns per observation, all detectors (median of 5 runs: ${costs.map(Math.round).join(', ')}; in process, no I/O)`);
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const scale = Number(process.env.ANOMALY_SCALE ?? '1');
  for (const line of evaluate(scale > 0 && scale <= 5 ? scale : 1)) console.log(line);
}
