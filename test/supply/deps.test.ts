import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { runDeps, type DepsCliOptions } from '../../src/cli/deps.js';
import { loadOsvDatabase } from '../../src/supply/index.js';
import { FIXTURES, appCopy } from './fixture.js';
import { writeZip } from './zip-writer.js';

const OSV_DIR = join(FIXTURES, 'osv');
const NOW = new Date('2025-06-01T12:00:00Z');

function osvFiles(dir = OSV_DIR, prefix = ''): { name: string; data: Buffer }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory()
    ? osvFiles(join(dir, e.name), `${prefix}${e.name}/`)
    : [{ name: `${prefix}${e.name}`, data: readFileSync(join(dir, e.name)) }]);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gh-deps-'));
}

async function deps(dir: string | undefined, opts: DepsCliOptions): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runDeps(dir, opts, { cwd: dir ?? process.cwd(), now: NOW, write: (s) => { out += s; }, error: (s) => { err += s; } });
  return { code, out, err };
}

interface JsonReport {
  findings: { id: string; package: string; version: string; severity: string; score: number | null; fixedIn: string[]; devOnly: boolean }[];
  devFindings: { id: string; package: string; severity: string }[];
  suppressed: { id: string; ignored: { reason: string } }[];
  expiredIgnores: { id: string }[];
  database: { records: number; withdrawn: number };
}

describe('gatehouse deps against an OSV folder', () => {
  const app = appCopy();

  it('finds what ships, with severity from CVSS, and keeps dev-only packages apart', async () => {
    const r = await deps(app, { db: OSV_DIR, format: 'json' });
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as JsonReport;
    expect(rep.findings.map((f) => `${f.severity} ${f.package}@${f.version} ${f.id}`)).toEqual([
      'critical b@1.0.0 GHSA-b001-0000-0001',
      'critical b@2.0.0 GHSA-b001-0000-0001',
      'moderate @scope/a@1.2.0 GHSA-a002-0000-0002',
      'moderate c@0.3.1 GHSA-c005-0000-0005',
    ]);
    expect(rep.findings[0]).toMatchObject({ score: 9.8, fixedIn: ['1.0.1'], devOnly: false });
    expect(rep.findings[1]?.fixedIn).toEqual(['2.0.1']);
    expect(rep.devFindings.map((f) => `${f.severity} ${f.package} ${f.id}`)).toEqual(['critical dev-only-lib MAL-2024-7', 'high devtool GHSA-d003-0000-0003']);
    // The withdrawn record and the PyPI record for a same-named package match nothing; fsx 1.0.5 is past its fix.
    expect(JSON.stringify(rep)).not.toMatch(/GHSA-w004|PYSEC|GHSA-f008/);
    expect(rep.database).toMatchObject({ records: 8, withdrawn: 1 });
  });

  it('takes the highest severity of an advisory and its aliases, so --fail-on critical fails', async () => {
    const db = tmp();
    const affected = [{ package: { ecosystem: 'npm', name: 'c' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.4.0' }] }] }];
    // The GitHub advisory carries no score; the record it aliases (as another source publishes it) is 9.8.
    writeFileSync(join(db, 'GHSA-c0de-0000-0009.json'), JSON.stringify({ id: 'GHSA-c0de-0000-0009', aliases: ['CVE-2025-0009'], summary: 'Prototype pollution in c', affected }));
    writeFileSync(join(db, 'CVE-2025-0009.json'), JSON.stringify({
      id: 'CVE-2025-0009', summary: 'c: prototype pollution', affected,
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    }));
    const r = await deps(app, { db, format: 'json', failOn: 'critical' });
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out) as JsonReport & { findings: { aliases: string[] }[] };
    expect(rep.findings).toHaveLength(1);
    expect(rep.findings[0]).toMatchObject({ package: 'c', severity: 'critical', score: 9.8, fixedIn: ['0.4.0'] });
    expect([rep.findings[0]?.id, ...(rep.findings[0]?.aliases ?? [])].sort()).toEqual(['CVE-2025-0009', 'GHSA-c0de-0000-0009']);
  });

  it('passes a moderate-only project at --fail-on high and fails it at --fail-on moderate', async () => {
    const ignore = join(tmp(), 'ignore.yaml');
    writeFileSync(ignore, 'ignore:\n  - id: CVE-2024-0001\n    reason: b is only fed trusted input\n    expires: 2025-06-01\n');
    expect((await deps(app, { db: OSV_DIR, ignoreFile: ignore })).code).toBe(0);
    expect((await deps(app, { db: OSV_DIR, ignoreFile: ignore, failOn: 'moderate' })).code).toBe(1);
    // Development-only findings fail the gate only when asked.
    expect((await deps(app, { db: OSV_DIR, ignoreFile: ignore, includeDev: true })).code).toBe(1);
  });

  it('suppresses by id or alias until the expiry date, then reports the entry and fails again', async () => {
    const dir = tmp();
    const live = join(dir, 'live.yaml');
    writeFileSync(live, '- id: CVE-2024-0001\n  reason: b is only fed trusted input\n  expires: 2025-06-01\n');
    const rep = JSON.parse((await deps(app, { db: OSV_DIR, ignoreFile: live, format: 'json' })).out) as JsonReport;
    expect(rep.suppressed.map((s) => s.id)).toEqual(['GHSA-b001-0000-0001', 'GHSA-b001-0000-0001']);
    expect(rep.suppressed[0]?.ignored.reason).toBe('b is only fed trusted input');
    const old = join(dir, 'old.yaml');
    writeFileSync(old, '- id: GHSA-b001-0000-0001\n  reason: accepted last quarter\n  expires: 2025-05-31\n');
    const r = await deps(app, { db: OSV_DIR, ignoreFile: old });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Expired allow-list entry no longer suppresses: GHSA-b001-0000-0001 \(expired 2025-05-31/);
    expect(r.out).toMatch(/CRITICAL 9.8 {2}b@1.0.0 {2}GHSA-b001-0000-0001 \(CVE-2024-0001\)/);
  });

  it('scopes an allow-list entry to one package when asked', async () => {
    const f = join(tmp(), 'i.yaml');
    writeFileSync(f, 'ignore:\n  - { id: GHSA-b001-0000-0001, package: other, reason: elsewhere, expires: 2030-01-01 }\n');
    expect((JSON.parse((await deps(app, { db: OSV_DIR, ignoreFile: f, format: 'json' })).out) as JsonReport).suppressed).toEqual([]);
  });

  it('refuses an allow-list entry without a reason or an expiry, naming each problem (exit 2)', async () => {
    const f = join(tmp(), 'bad.yaml');
    writeFileSync(f, 'ignore:\n  - id: GHSA-b001-0000-0001\n  - id: X\n    reason: r\n    expires: someday\n');
    const r = await deps(app, { db: OSV_DIR, ignoreFile: f });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ignore\[0\]\.reason: required/);
    expect(r.err).toMatch(/ignore\[0\]\.expires: required/);
    expect(r.err).toMatch(/ignore\[1\]\.expires: required/);
  });

  it('writes SARIF 2.1.0 that validates, pointing at the lock file line of each package', async () => {
    const r = await deps(app, { db: OSV_DIR, format: 'sarif' });
    const sarif = JSON.parse(r.out) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    const require = createRequire(import.meta.url);
    const { id, $schema: _d, ...schema } = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats.default(ajv);
    const validate = ajv.compile({ ...schema, $id: String(id) });
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const results = sarif.runs[0]?.results ?? [];
    expect(results).toHaveLength(6);
    const mal = results.find((x) => x.ruleId === 'MAL-2024-7');
    expect(mal?.level).toBe('note');
    const b = results.find((x) => x.ruleId === 'GHSA-b001-0000-0001');
    expect(b?.level).toBe('error');
    const loc = b?.locations[0]?.physicalLocation;
    expect(loc?.artifactLocation.uri).toBe('package-lock.json');
    const lines = readFileSync(join(app, 'package-lock.json'), 'utf8').split('\n');
    expect(lines[(loc?.region?.startLine ?? 0) - 1]).toMatch(/"node_modules\/(@scope\/a\/node_modules\/)?b": \{/);
  });

  it('answers exit code 2 for usage errors and unreadable inputs', async () => {
    expect((await deps(app, { db: OSV_DIR, failOn: 'severe' })).err).toMatch(/--fail-on must be one of low, moderate, high, critical/);
    expect((await deps(app, { db: OSV_DIR, format: 'xml' })).code).toBe(2);
    expect((await deps(app, {})).code).toBe(2);
    const missing = await deps(app, { db: join(tmp(), 'nothing') });
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toMatch(/vulnerability database not found/);
    const notZip = join(tmp(), 'db.zip');
    writeFileSync(notZip, 'garbage');
    expect((await deps(app, { db: notZip })).err).toMatch(/db.zip: not a ZIP archive/);
  });
});

describe('the OSV database on disk', () => {
  it('reads the same records from a .zip as from the folder (ZIP64 included)', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'all.zip'), writeZip(osvFiles()));
    writeFileSync(join(dir, 'all64.zip'), writeZip(osvFiles(), { zip64: true }));
    const folder = JSON.parse((await deps(appCopy(), { db: OSV_DIR, format: 'json' })).out) as JsonReport;
    for (const z of ['all.zip', 'all64.zip']) {
      const r = await deps(appCopy(), { db: join(dir, z), format: 'json' });
      expect(r.code).toBe(1);
      const rep = JSON.parse(r.out) as JsonReport;
      expect(rep.findings).toEqual(folder.findings);
      expect(rep.devFindings).toEqual(folder.devFindings);
    }
  });

  it('reports unreadable records with where and why, and still reads the rest', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ok.json'), readFileSync(join(OSV_DIR, 'GHSA-b001-0000-0001.json')));
    writeFileSync(join(dir, 'broken.json'), '{"id": "GHSA-x", ');
    writeFileSync(join(dir, 'shape.json'), JSON.stringify({ id: 'GHSA-y', affected: [{ package: { name: 'b' } }] }));
    const db = loadOsvDatabase(dir);
    expect(db.recordCount).toBe(1);
    expect(db.warnings).toEqual([
      expect.stringMatching(/broken\.json: not valid JSON/),
      expect.stringMatching(/shape\.json: GHSA-y: affected\[0\]\.package needs "ecosystem" and "name"/),
    ]);
  });
});

describe('gatehouse deps --update-db', () => {
  it('copies from a local file, a file:// URL and a folder, checking the copy first', async () => {
    const dir = tmp();
    const src = join(dir, 'src.zip');
    writeFileSync(src, writeZip(osvFiles()));
    const db = join(dir, 'db.zip');
    const a = await deps(undefined, { db, updateDb: src });
    expect(a.code).toBe(0);
    expect(a.err).toMatch(/updated .* \(8 records\)/);
    expect(loadOsvDatabase(db).recordCount).toBe(8);
    expect((await deps(undefined, { db, updateDb: pathToFileURL(src).href })).code).toBe(0);
    const folderDb = join(dir, 'folder-db');
    expect((await deps(appCopy(), { db: folderDb, updateDb: OSV_DIR, format: 'json' })).code).toBe(1);
    // A corrupt source never replaces a good database.
    const bad = join(dir, 'bad.zip');
    writeFileSync(bad, 'not a zip');
    const r = await deps(undefined, { db, updateDb: bad });
    expect(r.code).toBe(2);
    expect(loadOsvDatabase(db).recordCount).toBe(8);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('downloads over HTTP (a local server stands in for the OSV bucket)', async () => {
    const zip = writeZip(osvFiles());
    const server = createServer((req, res) => {
      if (req.url === '/npm/all.zip') res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const db = join(tmp(), 'db.zip');
      expect((await deps(undefined, { db, updateDb: `${base}/npm/all.zip` })).code).toBe(0);
      expect(loadOsvDatabase(db).recordCount).toBe(8);
      const missing = await deps(undefined, { db, updateDb: `${base}/nope.zip` });
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/HTTP 404/);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });
});

