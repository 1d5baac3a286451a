import { SemVer } from 'semver';
import { describe, expect, it } from 'vitest';
import { affects, inRange, matchPackage, severityOf } from './match.js';
import type { OsvDatabase, OsvEvent, OsvRecord } from './osv.js';

const hit = (v: string, events: OsvEvent[]): boolean => inRange(new SemVer(v), events);

describe('OSV range evaluation', () => {
  it('treats introduced as inclusive and fixed as exclusive', () => {
    const r = [{ introduced: '1.2.0' }, { fixed: '1.4.0' }];
    expect(['1.1.9', '1.2.0', '1.3.9', '1.4.0', '2.0.0'].map((v) => hit(v, r))).toEqual([false, true, true, false, false]);
  });

  it('treats last_affected as inclusive', () => {
    const r = [{ introduced: '0' }, { last_affected: '3.1.0' }];
    expect(['0.0.1', '3.1.0', '3.1.1'].map((v) => hit(v, r))).toEqual([true, true, false]);
  });

  it('reads introduced "0" as every version, even prereleases of 0.0.0', () => {
    expect(hit('0.0.0-alpha', [{ introduced: '0' }])).toBe(true);
  });

  it('sorts events before evaluating, so reopened ranges in any order work', () => {
    const r = [{ fixed: '2.3.0' }, { introduced: '2.0.0' }, { fixed: '1.1.0' }, { introduced: '1.0.0' }];
    expect(['0.9.0', '1.0.5', '1.5.0', '2.2.0', '2.3.0'].map((v) => hit(v, r))).toEqual([false, true, false, true, false]);
  });

  it('orders prereleases below their release', () => {
    const r = [{ introduced: '0' }, { fixed: '2.0.0' }];
    expect(hit('2.0.0-rc.1', r)).toBe(true);
    expect(hit('2.0.0', r)).toBe(false);
    expect(hit('2.0.0-rc.2', [{ introduced: '0' }, { fixed: '2.0.0-rc.2' }])).toBe(false);
  });

  it('caps a range at limit', () => {
    expect(hit('1.5.0', [{ introduced: '1.0.0' }, { limit: '1.5.0' }])).toBe(false);
    expect(hit('1.4.9', [{ introduced: '1.0.0' }, { limit: '1.5.0' }])).toBe(true);
  });

  it('matches an explicit versions list exactly, and only the same ecosystem and name', () => {
    const a = { package: { ecosystem: 'npm', name: 'x' }, versions: ['1.0.0'] };
    expect(affects(a, 'x', '1.0.0').hit).toBe(true);
    expect(affects(a, 'x', '1.0.1').hit).toBe(false);
    expect(affects({ ...a, package: { ecosystem: 'PyPI', name: 'x' } }, 'x', '1.0.0').hit).toBe(false);
    expect(affects(a, 'X', '1.0.0').hit).toBe(false);
  });

  it('evaluates no range for a version that is not SemVer (a git dependency)', () => {
    const a = { package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] };
    expect(affects(a, 'x', 'github:o/x#abc').hit).toBe(false);
    expect(affects({ ...a, ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }] }, 'x', '1.0.0').hit).toBe(false);
  });

  it('reports the fix of the range that matched', () => {
    const a = { package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }, { introduced: '2.0.0' }, { fixed: '2.0.3' }] }] };
    expect(affects(a, 'x', '2.0.1')).toEqual({ hit: true, fixedIn: ['2.0.3'] });
  });
});

describe('severity and de-duplication', () => {
  const rec = (over: Partial<OsvRecord>): OsvRecord => ({ id: 'GHSA-1', affected: [{ package: { ecosystem: 'npm', name: 'x' }, versions: ['1.0.0'] }], ...over });

  it('prefers a computed CVSS v3 score over the database rating', () => {
    expect(severityOf(rec({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' }], database_specific: { severity: 'LOW' } })))
      .toEqual({ severity: 'high', score: 7.5 });
    expect(severityOf(rec({ database_specific: { severity: 'MODERATE' } }))).toEqual({ severity: 'moderate', score: undefined });
    expect(severityOf(rec({ id: 'MAL-2024-1' })).severity).toBe('critical');
    expect(severityOf(rec({})).severity).toBeUndefined();
  });

  it('reports records that alias one another once', () => {
    const db: OsvDatabase = {
      source: 'mem', recordCount: 2, withdrawnCount: 0, warnings: [],
      byPackage: new Map([['x', [rec({ id: 'CVE-2024-9' }), rec({ id: 'GHSA-9', aliases: ['CVE-2024-9'] })]]]),
    };
    expect(matchPackage(db, 'x', '1.0.0').map((m) => m.id)).toEqual(['CVE-2024-9']);
  });

  it('gives a merged finding the highest severity of any record in its alias group, in either order', () => {
    const critical = [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }];
    const records = [
      rec({ id: 'GHSA-1', aliases: ['CVE-2024-1'], summary: 'unscored' }),
      rec({ id: 'CVE-2024-1', severity: critical }),
      // Linked only through a third record that aliases both (a chain, not a direct alias).
      rec({ id: 'OSV-2024-1', aliases: ['CVE-2024-1', 'PYSEC-9'], database_specific: { severity: 'MODERATE' } }),
      rec({ id: 'GHSA-2', summary: 'unrelated', database_specific: { severity: 'LOW' } }),
    ];
    for (const order of [records, [...records].reverse()]) {
      const db: OsvDatabase = { source: 'mem', recordCount: 4, withdrawnCount: 0, warnings: [], byPackage: new Map([['x', order]]) };
      const found = matchPackage(db, 'x', '1.0.0');
      expect(found.map((m) => `${m.severity ?? '-'} ${[m.id, ...m.aliases].sort().join(',')}`).sort()).toEqual([
        'critical CVE-2024-1,GHSA-1,OSV-2024-1,PYSEC-9',
        'low GHSA-2',
      ]);
      expect(found.find((m) => m.severity === 'critical')?.score).toBe(9.8);
    }
  });
});
