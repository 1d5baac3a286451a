import type { Observation } from '../inventory/observation.js';
import type { AlertDraft, AlertSubject } from './alert.js';
import type { AlertType } from './config.js';

const EXAMPLES = 5;
/** A group still busy is raised this long after it opened anyway. */
const MAX_DELAY_MS = 10 * 60_000;
const MAX_DISTINCT = 100;

interface Group {
  readonly type: AlertType;
  readonly api: string;
  readonly subject: AlertSubject;
  readonly opened: number;
  last: number;
  readonly windowMs: number;
  count: number;
  /** Distinct things seen (templates, operations), up to MAX_DISTINCT; the first EXAMPLES are the examples. */
  readonly distinct: Set<string>;
  readonly requestIds: string[];
  raised: boolean;
}

/**
 * Alerts about traffic rather than thresholds (shadow and zombie traffic): every request of one
 * caller to one API within a window joins one group, raised once the caller has been quiet for
 * `gatherMs` (or ten minutes after it opened, if it keeps going) with the count and examples. A
 * burst of 2,000 undeclared paths from one client is one alert saying 2,000 requests and which
 * paths, not one alert per path. Later requests in the window only count; the next window opens
 * a new group.
 */
export class AlertGroups {
  private readonly groups = new Map<string, Group>();
  /** Earliest time any unraised group is due (Infinity when none), so a feed checks one number. */
  private nextDue = Number.POSITIVE_INFINITY;
  /** Per API: groups opened in the current window, so many callers cannot flood the alerts either. */
  private readonly perApi = new Map<string, { start: number; count: number }>();

  constructor(private readonly gatherMs: number, private readonly maxGroupsPerApi: number) {}

  /**
   * Counts one request in its group. `describe` names it for the examples (`GET /debug/{id}`),
   * and is called only while the group still collects distinct examples; both functions are
   * module-level, so counting allocates nothing.
   */
  add(type: AlertType, key: string, windowMs: number, o: Observation, describe: (o: Observation) => string, subjectOf: (o: Observation) => AlertSubject): void {
    const ts = o.ts;
    const api = o.api;
    let g = this.open(key, ts, windowMs);
    if (g === undefined) {
      const budgetKey = `${type} ${api}`;
      let budget = this.perApi.get(budgetKey);
      if (budget === undefined || ts - budget.start >= windowMs) this.perApi.set(budgetKey, (budget = { start: ts, count: 0 }));
      let subject: AlertSubject;
      if (budget.count < this.maxGroupsPerApi) {
        budget.count++;
        subject = subjectOf(o);
      } else {
        // Past the budget, the rest of this API's callers share one group: many callers, one alert.
        key = `${budgetKey} *`;
        g = this.open(key, ts, windowMs);
        subject = { kind: 'operation', value: `${api} * (more than ${this.maxGroupsPerApi} callers)` };
      }
      if (g === undefined) {
        g = { type, api, subject, opened: ts, last: ts, windowMs, count: 0, distinct: new Set(), requestIds: [], raised: false };
        this.groups.set(key, g);
        if (ts + this.gatherMs < this.nextDue) this.nextDue = ts + this.gatherMs;
      }
    }
    g.count++;
    if (g.raised) return;
    g.last = ts;
    if (g.distinct.size < MAX_DISTINCT) g.distinct.add(describe(o));
    if (g.requestIds.length < EXAMPLES) g.requestIds.push(o.requestId);
  }

  /** The group of `key` if its window is still open. */
  private open(key: string, ts: number, windowMs: number): Group | undefined {
    const g = this.groups.get(key);
    if (g === undefined || ts - g.opened < windowMs) return g;
    this.groups.delete(key);
    return undefined;
  }

  /** Appends to `out` the groups whose gathering time is over at `now` (all unraised ones with `force`). */
  raiseDue(now: number, out: AlertDraft[], force = false): void {
    if (!force && now < this.nextDue) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, g] of this.groups) {
      if (now - g.opened >= g.windowMs) this.groups.delete(key);
      if (g.raised) continue;
      const due = Math.min(g.last + this.gatherMs, g.opened + Math.max(this.gatherMs, Math.min(MAX_DELAY_MS, g.windowMs - 1)));
      if (force || now >= due) { g.raised = true; out.push(toDraft(g)); }
      else if (due < next) next = due;
    }
    this.nextDue = next;
  }

  sweep(now: number): void {
    for (const [key, g] of this.groups) if (g.raised && now - g.opened >= g.windowMs) this.groups.delete(key);
    for (const [key, b] of this.perApi) if (now - b.start >= 24 * 3_600_000) this.perApi.delete(key);
  }
}

function toDraft(g: Group): AlertDraft {
  const examples = [...g.distinct].slice(0, EXAMPLES);
  const distinct = g.distinct.size >= MAX_DISTINCT ? `${MAX_DISTINCT}+` : String(g.distinct.size);
  const label = g.type === 'shadowTraffic' ? 'undeclared' : 'retired or older-version';
  const who = g.subject.kind === 'operation' ? 'several callers' : g.subject.value;
  return {
    type: g.type, severity: 'low', confidence: 1, ts: g.opened, api: g.api, subject: g.subject,
    summary: `${who} sent ${g.count} request(s) to ${distinct} ${label} endpoint(s) of ${g.api}, e.g. ${examples.join(', ')}`,
    evidence: { count: g.count, threshold: 1, windowMs: g.windowMs, distinct: g.distinct.size, examples, sampleRequestIds: g.requestIds.slice() },
  };
}
