/**
 * CVSS v3.0 / v3.1 base score from a vector string (FIRST CVSS v3.1 specification §7.1 and
 * Appendix A). Written by hand: the formula is twenty lines, and the npm calculators are either
 * unmaintained or pull in far more than a base score.
 */
export type Severity = 'low' | 'moderate' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'moderate', 'high', 'critical'];

const WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

/** The base score (0.0-10.0), or undefined when the vector is not a complete CVSS v3 base vector. */
export function cvss3BaseScore(vector: string): number | undefined {
  const m = /^CVSS:3\.([01])\/(.+)$/.exec(vector.trim());
  if (m === null) return undefined;
  const minor = m[1];
  const metrics = new Map<string, string>();
  for (const part of (m[2] as string).split('/')) {
    const [k, v] = part.split(':');
    if (k === undefined || v === undefined || metrics.has(k)) return undefined;
    metrics.set(k, v);
  }
  const get = <T extends Record<string, number>>(table: T, key: string): number | undefined => {
    const v = metrics.get(key);
    return v !== undefined && Object.hasOwn(table, v) ? table[v as keyof T] : undefined;
  };
  const scope = metrics.get('S');
  if (scope !== 'U' && scope !== 'C') return undefined;
  const changed = scope === 'C';
  const av = get(WEIGHTS.AV, 'AV');
  const ac = get(WEIGHTS.AC, 'AC');
  const ui = get(WEIGHTS.UI, 'UI');
  // Privileges Required weighs more when the scope changes (spec §7.4, table 16).
  const pr = get(changed ? { N: 0.85, L: 0.68, H: 0.5 } : { N: 0.85, L: 0.62, H: 0.27 }, 'PR');
  const c = get(WEIGHTS.CIA, 'C');
  const i = get(WEIGHTS.CIA, 'I');
  const a = get(WEIGHTS.CIA, 'A');
  if (av === undefined || ac === undefined || ui === undefined || pr === undefined || c === undefined || i === undefined || a === undefined) return undefined;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  const raw = changed ? Math.min(1.08 * (impact + exploitability), 10) : Math.min(impact + exploitability, 10);
  return minor === '1' ? roundUp31(raw) : Math.ceil(raw * 10) / 10;
}

/** v3.1 Appendix A: round up to one decimal without floating-point surprises (e.g. 4.000000001). */
function roundUp31(x: number): number {
  const scaled = Math.round(x * 100000);
  return scaled % 10000 === 0 ? scaled / 100000 : (Math.floor(scaled / 10000) + 1) / 10;
}

/** The qualitative rating of a score (spec §5), with "medium" spelled "moderate" as npm and GitHub do. */
export function severityOfScore(score: number): Severity | undefined {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'moderate';
  if (score > 0) return 'low';
  return undefined;
}

export function parseSeverity(s: string): Severity | undefined {
  const v = s.trim().toLowerCase();
  if (v === 'medium') return 'moderate';
  return (SEVERITIES as readonly string[]).includes(v) ? (v as Severity) : undefined;
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
