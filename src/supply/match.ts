/**
 * Which OSV records affect an installed npm package version. Range evaluation follows the OSV
 * schema's algorithm (ossf.github.io/osv-schema, "Evaluation"): events are sorted by version,
 * `introduced` opens an affected span, `fixed` closes it at that version, `last_affected` closes
 * it after that version, and `limit` caps it. npm's ECOSYSTEM ordering is SemVer 2.0, so SEMVER
 * and ECOSYSTEM ranges are evaluated alike, prereleases included (1.0.0-rc.1 < 1.0.0).
 */
import { SemVer } from 'semver';
import { SEVERITIES, cvss3BaseScore, parseSeverity, severityOfScore, type Severity } from './cvss.js';
import type { OsvAffected, OsvDatabase, OsvEvent, OsvRecord } from './osv.js';

export interface OsvMatch {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  /** Undefined when the record gives neither a CVSS v3 vector nor a rating. */
  readonly severity: Severity | undefined;
  readonly score: number | undefined;
  /** Versions that fix it, from the range that matched (empty when none is known). */
  readonly fixedIn: readonly string[];
  readonly url: string | undefined;
}

function parse(v: string): SemVer | undefined {
  try {
    return new SemVer(v);
  } catch {
    return undefined;
  }
}

/** True when `version` lies in the range given by `events` (OSV "IsAffected"). */
export function inRange(version: SemVer, events: readonly OsvEvent[]): boolean {
  const sorted: { kind: keyof OsvEvent; at: SemVer | 'zero' }[] = [];
  for (const e of events) {
    for (const kind of ['introduced', 'fixed', 'last_affected', 'limit'] as const) {
      const v = e[kind];
      if (v === undefined) continue;
      // "0" is the OSV spelling of "every version from the first".
      const at = kind === 'introduced' && v === '0' ? 'zero' as const : parse(v);
      if (at !== undefined) sorted.push({ kind, at });
    }
  }
  sorted.sort((a, b) => (a.at === 'zero' ? (b.at === 'zero' ? 0 : -1) : b.at === 'zero' ? 1 : a.at.compare(b.at)));
  let affected = false;
  for (const e of sorted) {
    if (e.kind === 'introduced') {
      if (e.at === 'zero' || version.compare(e.at) >= 0) affected = true;
    } else if (e.at !== 'zero') {
      if (e.kind === 'fixed' && version.compare(e.at) >= 0) affected = false;
      else if (e.kind === 'last_affected' && version.compare(e.at) > 0) affected = false;
      else if (e.kind === 'limit' && version.compare(e.at) >= 0) affected = false;
    }
  }
  return affected;
}

export function affects(a: OsvAffected, name: string, version: string): { hit: boolean; fixedIn: string[] } {
  if (a.package.ecosystem !== 'npm' || a.package.name !== name) return { hit: false, fixedIn: [] };
  const fixed = (a.ranges ?? []).flatMap((r) => r.events.map((e) => e.fixed).filter((f): f is string => f !== undefined));
  if ((a.versions ?? []).includes(version)) return { hit: true, fixedIn: fixed };
  const v = parse(version);
  if (v === undefined) return { hit: false, fixedIn: [] }; // git or tarball versions: only exact `versions` can match
  for (const r of a.ranges ?? []) {
    if (r.type !== 'SEMVER' && r.type !== 'ECOSYSTEM') continue;
    if (inRange(v, r.events)) {
      const fixedHere = r.events.map((e) => e.fixed).filter((f): f is string => f !== undefined && (parse(f)?.compare(v) ?? 0) > 0);
      return { hit: true, fixedIn: fixedHere };
    }
  }
  return { hit: false, fixedIn: [] };
}

/** Severity: a CVSS v3 vector (computed), else the database's own rating; malicious packages are critical. */
export function severityOf(rec: OsvRecord, affected?: OsvAffected): { severity: Severity | undefined; score: number | undefined } {
  for (const s of [...(affected?.severity ?? []), ...(rec.severity ?? [])]) {
    if (s.type !== 'CVSS_V3') continue;
    const score = cvss3BaseScore(s.score);
    if (score !== undefined) return { severity: severityOfScore(score), score };
  }
  for (const ds of [affected?.database_specific, rec.database_specific, affected?.ecosystem_specific]) {
    const rated = typeof ds?.severity === 'string' ? parseSeverity(ds.severity) : undefined;
    if (rated !== undefined) return { severity: rated, score: undefined };
  }
  // OpenSSF malicious-packages entries (MAL-*) carry no score: installing one is a compromise.
  if (rec.id.startsWith('MAL-')) return { severity: 'critical', score: undefined };
  return { severity: undefined, score: undefined };
}

interface Hit { readonly rec: OsvRecord; readonly fixedIn: readonly string[]; readonly severity: Severity | undefined; readonly score: number | undefined }

/**
 * The records affecting name@version; records that alias one another (directly, or through a
 * chain of aliases) are reported once, under the first one's id. The group's severity is the
 * highest of any of its records: one source often scores an advisory that another leaves
 * unrated, and an unrated copy must not hide a critical one from the gate.
 */
export function matchPackage(db: OsvDatabase, name: string, version: string): OsvMatch[] {
  const hits: Hit[] = [];
  for (const rec of db.byPackage.get(name) ?? []) {
    for (const a of rec.affected ?? []) {
      const r = affects(a, name, version);
      if (!r.hit) continue;
      hits.push({ rec, fixedIn: r.fixedIn, ...severityOf(rec, a) });
      break;
    }
  }
  return aliasGroups(hits).map((group) => {
    const first = group[0] as Hit;
    const ids = new Set(group.flatMap((h) => [h.rec.id, ...(h.rec.aliases ?? [])]));
    ids.delete(first.rec.id);
    const worst = group.reduce((a, b) => (rank(b) > rank(a) ? b : a));
    return {
      id: first.rec.id,
      aliases: [...ids],
      summary: group.map((h) => h.rec.summary ?? h.rec.details?.split('\n')[0] ?? '').find((x) => x !== '') ?? '',
      severity: worst.severity,
      score: worst.score,
      fixedIn: [...new Set(group.flatMap((h) => h.fixedIn))],
      url: group.map((h) => h.rec.references?.find((r) => r.type === 'ADVISORY')?.url ?? h.rec.references?.[0]?.url).find((u) => u !== undefined),
    };
  });
}

/** Severity first, then score: a computed 9.8 outranks a rating of "critical" alone. */
function rank(h: Hit): number {
  return (h.severity === undefined ? 0 : SEVERITIES.indexOf(h.severity) + 1) * 100 + (h.score ?? 0);
}

/** Hits joined when any id or alias of one is an id or alias of another, in first-seen order. */
function aliasGroups(hits: readonly Hit[]): Hit[][] {
  const parent = hits.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  const owner = new Map<string, number>();
  hits.forEach((h, i) => {
    for (const id of [h.rec.id, ...(h.rec.aliases ?? [])]) {
      const j = owner.get(id);
      if (j === undefined) owner.set(id, i);
      else {
        const [a, b] = [root(i), root(j)];
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const groups = new Map<number, Hit[]>();
  hits.forEach((h, i) => {
    const r = root(i);
    const list = groups.get(r);
    if (list === undefined) groups.set(r, [h]);
    else list.push(h);
  });
  return [...groups.values()];
}
