import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditFile } from '../../src/audit/engine.js';
import { auditFiles, formatJson, formatSarif, formatText } from '../../src/audit/index.js';
import { RawDoc, isObject } from '../../src/audit/raw.js';
import type { Finding } from '../../src/audit/types.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'xref');
const fx = (...p: string[]): string => path.join(dir, ...p);
const where = (f: Finding): string => `${f.ruleId} ${path.relative(dir, f.file)}:${f.line ?? '-'} ${f.pointer}`;
const ids = (fs: readonly Finding[]): string[] => fs.map((f) => f.ruleId).sort();

describe('a spec split across files', () => {
  it('judges the schemas written in other files and reports them there, at their line', async () => {
    const r = await auditFile(fx('split.yaml'));
    // Order is the response of two operations: judged once, in schemas/order.yaml.
    expect(r.findings.filter((f) => f.ruleId === 'GH-DATA-001').map(where)).toEqual(['GH-DATA-001 schemas/order.yaml:10 /Order/properties/secret']);
    expect(r.findings.filter((f) => f.ruleId === 'GH-INPUT-001').map(where).sort()).toEqual([
      'GH-INPUT-001 common.yaml:7 /components/parameters/Expand/schema',
      'GH-INPUT-001 schemas/order.yaml:20 /NewOrder/properties/note',
    ]);
    expect(readFileSync(fx('schemas/order.yaml'), 'utf8').split('\n')[9]).toBe('    secret:');
    expect(r.findings.filter((f) => f.ruleId === 'GH-SPEC-002')).toEqual([]);
  });

  it('gives the same rule ids as the same spec written as one document', async () => {
    const [split, inlined] = await Promise.all([auditFile(fx('split.yaml')), auditFile(fx('inlined.yaml'))]);
    expect(ids(split.findings)).toEqual(ids(inlined.findings));
    expect(ids(split.findings).length).toBeGreaterThan(0);
    expect(split.score).toBe(inlined.score);
  });

  it('text, JSON and SARIF name the external file; SARIF as an artifact URI relative to the working directory', async () => {
    const report = await auditFiles([fx('split.yaml')]);
    const cwd = path.resolve(dir, '../../../..');
    const sarif = JSON.parse(formatSarif(report, cwd)) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    const hit = sarif.runs[0]?.results.find((x) => x.ruleId === 'GH-DATA-001');
    expect(hit?.locations[0]?.physicalLocation).toEqual({ artifactLocation: { uri: 'test/audit/fixtures/xref/schemas/order.yaml' }, region: { startLine: 10 } });
    expect(formatText(report, dir, false)).toContain('schemas/order.yaml:10  GH-DATA-001');
    const json = JSON.parse(formatJson(report, dir)) as { documents: { file: string; findings: { ruleId: string; file: string; line: number }[] }[] };
    expect(json.documents[0]?.file).toBe('split.yaml');
    expect(json.documents[0]?.findings.find((x) => x.ruleId === 'GH-DATA-001')).toMatchObject({ file: 'schemas/order.yaml', line: 10 });
  });

  it('honours a suppression written in the external file', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'gh-xref-'));
    cpSync(dir, tmp, { recursive: true });
    const order = path.join(tmp, 'schemas/order.yaml');
    writeFileSync(order, readFileSync(order, 'utf8').replace('Order:\n', 'Order:\n  x-gatehouse-ignore: { GH-DATA-001: "a write-once webhook secret, shown to its owner" }\n'));
    const r = await auditFile(path.join(tmp, 'split.yaml'));
    const f = r.findings.find((x) => x.ruleId === 'GH-DATA-001');
    expect(f?.suppressed).toBe('a write-once webhook secret, shown to its owner');
    expect(f?.file).toBe(order);
  });

  it('a parameter kept in another file is reported there by the operation rules too', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'gh-xref-'));
    cpSync(dir, tmp, { recursive: true });
    const common = path.join(tmp, 'common.yaml');
    writeFileSync(common, readFileSync(common, 'utf8').replace('name: expand', 'name: access_token'));
    const r = await auditFile(path.join(tmp, 'split.yaml'));
    expect(r.findings.filter((f) => f.ruleId === 'GH-AUTH-005').map((f) => `${f.file}:${f.line ?? '-'} ${f.pointer}`)).toEqual([`${common}:4 /components/parameters/Expand`]);
  });

  it('reads each external file once however many references lead into it', () => {
    const reads = new Map<string, number>();
    const files: Record<string, unknown> = {
      '/specs/a.yaml': { X: { type: 'string' }, Y: { $ref: '#/X' } },
    };
    const root = { paths: {}, s: [1, 2, 3, 4].map(() => ({ $ref: 'a.yaml#/Y' })) };
    const raw = new RawDoc(root, { rootFile: '/specs/root.yaml', read: (abs) => { reads.set(abs, (reads.get(abs) ?? 0) + 1); return files[abs]; } });
    for (let i = 0; i < 4; i++) {
      const r = raw.at(`/s/${i}`);
      expect(r.pointer).toBe('a.yaml#/X');
      expect(isObject(r.node) && r.node.type).toBe('string');
    }
    expect(raw.externalFiles()).toEqual(['a.yaml']);
    expect([...reads]).toEqual([['/specs/a.yaml', 1]]);
  });
});

describe('references that cannot be followed', () => {
  it('a missing file and a missing pointer in an existing file are GH-SPEC-002, at the $ref', async () => {
    const r = await auditFile(fx('dangling.yaml'));
    const spec002 = r.findings.filter((f) => f.ruleId === 'GH-SPEC-002');
    expect(spec002.map((f) => `${where(f)} ${f.message}`).sort()).toEqual([
      'GH-SPEC-002 dangling.yaml:10 /paths/~1a/get/parameters/0 $ref ./nope.yaml#/components/parameters/Missing: file nope.yaml does not exist',
      'GH-SPEC-002 dangling.yaml:16 /paths/~1a/get/responses/200/content/application~1json/schema $ref schemas/order.yaml#/Nope does not resolve',
      'GH-SPEC-002 dangling.yaml:22 /paths/~1a/get/responses/404/content/application~1json/schema $ref https://schemas.example.com/problem.yaml#/Problem is a remote document and is not followed: what it describes is not audited',
    ]);
  });

  it('a dangling reference inside an external file is reported in that file', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'gh-xref-'));
    cpSync(dir, tmp, { recursive: true });
    const order = path.join(tmp, 'schemas/order.yaml');
    writeFileSync(order, readFileSync(order, 'utf8').replace("'../common.yaml#/components/schemas/Amount'", "'../common.yaml#/components/schemas/Amont'"));
    const r = await auditFile(path.join(tmp, 'split.yaml'));
    const f = r.findings.find((x) => x.ruleId === 'GH-SPEC-002');
    expect(f).toMatchObject({ file: order, line: 8, pointer: '/Order/properties/amount' });
  });

  it('a remote reference is reported as not followed, and nothing is fetched', async () => {
    let requests = 0;
    const server = createServer((_req, res) => { requests++; res.end('Problem: { type: string }\n'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const tmp = mkdtempSync(path.join(tmpdir(), 'gh-xref-'));
      const spec = path.join(tmp, 'remote.yaml');
      const url = `http://127.0.0.1:${port}/problem.yaml#/Problem`;
      writeFileSync(spec, readFileSync(fx('dangling.yaml'), 'utf8').replace('https://schemas.example.com/problem.yaml#/Problem', url));
      const r = await auditFile(spec);
      const f = r.findings.find((x) => x.ruleId === 'GH-SPEC-002' && x.message.includes(url));
      expect(f?.message).toContain('is a remote document and is not followed');
      expect(f?.line).toBe(22);
      expect(requests).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a cycle across files terminates, each schema judged once, in its own file', async () => {
    const r = await auditFile(fx('cycle-a.yaml'));
    expect(r.findings.filter((f) => f.ruleId === 'GH-INPUT-001').map(where)).toEqual(['GH-INPUT-001 cycle-b.yaml:4 /Node/properties/label']);
    expect(r.findings.filter((f) => f.ruleId === 'GH-INPUT-004').map(where).sort()).toEqual([
      'GH-INPUT-004 cycle-a.yaml:23 /components/schemas/Tree',
      'GH-INPUT-004 cycle-b.yaml:1 /Node',
    ]);
    // Loop -> cycle-b Loop -> Loop: an alias loop with no schema in it.
    expect(r.findings.filter((f) => f.ruleId === 'GH-SPEC-002').map((f) => `${where(f)} ${f.message}`)).toEqual([
      'GH-SPEC-002 cycle-b.yaml:12 /Loop $ref "cycle-a.yaml#/components/schemas/Loop" only refers to itself through other $refs',
    ]);
  });
});
