/**
 * Score 0–100, documented in docs/audit-rules.md#scoring:
 *   score = round(100 × Π over rules (1 − penalty/100))
 *   penalty = min(60, weight × n)              when n ≤ 1
 *           = min(60, weight × (1 + log2 n))   when n > 1   (diminishing returns per rule)
 *   n = active findings + ¼ × findings mitigated by the gateway (suppressed ones count 0)
 *   weight: critical 40, high 15, medium 6, low 2
 */
import { OWASP_CATEGORIES, type Finding, type OwaspCategory, type Severity } from './types.js';

export const WEIGHTS: Readonly<Record<Severity, number>> = { critical: 40, high: 15, medium: 6, low: 2 };

export function scoreOf(findings: readonly Finding[]): number {
  const perRule = new Map<string, { w: number; n: number }>();
  for (const f of findings) {
    if (f.suppressed !== undefined) continue;
    const e = perRule.get(f.ruleId) ?? { w: 0, n: 0 };
    e.w = Math.max(e.w, WEIGHTS[f.severity]);
    e.n += f.mitigatedByGateway === undefined ? 1 : 0.25;
    perRule.set(f.ruleId, e);
  }
  let score = 1;
  for (const { w, n } of perRule.values()) {
    const penalty = Math.min(60, n <= 1 ? w * n : w * (1 + Math.log2(n)));
    score *= 1 - penalty / 100;
  }
  return Math.round(score * 100);
}

export function categoryScores(findings: readonly Finding[]): Partial<Record<OwaspCategory, number>> {
  const out: Partial<Record<OwaspCategory, number>> = {};
  for (const cat of Object.keys(OWASP_CATEGORIES) as OwaspCategory[]) out[cat] = scoreOf(findings.filter((f) => f.owasp === cat));
  return out;
}
