import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { gatehouseRoot, runSbom } from '../../src/cli/sbom.js';
import { cycloneDxSbom, npmPurl, readLockGraph, spdxSbom } from '../../src/supply/index.js';
import { appCopy } from './fixture.js';

interface CdxComponent { name: string; group?: string; version: string; purl: string; 'bom-ref': string; scope?: string; hashes?: { alg: string; content: string }[]; licenses?: ({ license: { id?: string; name?: string } } | { expression: string })[] }
interface CdxBom { specVersion: string; serialNumber: string; metadata: { component: { name: string; 'bom-ref': string } }; components: CdxComponent[]; dependencies: { ref: string; dependsOn?: string[] }[] }

const require = createRequire(import.meta.url);
const schemaDir = require.resolve('@cyclonedx/cyclonedx-library/package.json').replace(/package\.json$/, 'res/schema/');
function cdxValidator(version: '1.5' | '1.6') {
  const load = (f: string) => JSON.parse(readFileSync(schemaDir + f, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  // Formats from JSON Schema 2019-09 the schema names; their exact syntax is not what we test.
  ajv.addFormat('idn-email', true).addFormat('iri-reference', true);
  // The shipped schemas refer to one another by their SNAPSHOT file names.
  for (const f of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json']) {
    ajv.addSchema({ ...load(f), $id: `http://cyclonedx.org/schema/${f}` });
  }
  return ajv.compile(load(`bom-${version}.SNAPSHOT.schema.json`));
}

describe('CycloneDX SBOM of a lock file', () => {
  const graph = readLockGraph(appCopy());
  const bom = JSON.parse(cycloneDxSbom(graph, { serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79' })) as CdxBom;
  const comp = (purl: string) => bom.components.find((c) => c.purl === purl);

  it('is valid CycloneDX 1.6 and 1.5', () => {
    const v16 = cdxValidator('1.6');
    expect(v16(bom), JSON.stringify(v16.errors?.slice(0, 3))).toBe(true);
    expect(v16({ ...bom, components: [{ ...bom.components[0], type: 'not-a-type' }] })).toBe(false);
    const v15 = cdxValidator('1.5');
    const bom15 = JSON.parse(cycloneDxSbom(graph, { specVersion: '1.5' })) as CdxBom;
    expect(bom15.specVersion).toBe('1.5');
    expect(v15(bom15), JSON.stringify(v15.errors?.slice(0, 3))).toBe(true);
  });

  it('lists each name@version once with a purl whose scope is percent-encoded', () => {
    expect(bom.components.map((c) => c.purl).sort()).toEqual([
      'pkg:npm/%40app/ws@0.1.0', 'pkg:npm/%40scope/a@1.2.0', 'pkg:npm/b@1.0.0', 'pkg:npm/b@2.0.0', 'pkg:npm/c@0.3.1',
      'pkg:npm/dev-only-lib@3.0.0', 'pkg:npm/devtool@2.2.0', 'pkg:npm/fsx@1.0.5', 'pkg:npm/real-name@4.0.0',
    ]);
    expect(comp('pkg:npm/%40scope/a@1.2.0')).toMatchObject({ group: '@scope', name: 'a', 'bom-ref': 'pkg:npm/%40scope/a@1.2.0' });
    expect(npmPurl('@s/n', '1.0.0+build.1')).toBe('pkg:npm/%40s/n@1.0.0%2Bbuild.1');
  });

  it('turns SRI integrity into hex hashes', () => {
    const expected = Buffer.from((graph.packages.find((p) => p.path === 'node_modules/b')?.integrity ?? '').slice(7), 'base64').toString('hex');
    expect(comp('pkg:npm/b@2.0.0')?.hashes).toEqual([{ alg: 'SHA-512', content: expected }]);
    expect(comp('pkg:npm/c@0.3.1')?.hashes?.map((h) => h.alg)).toEqual(['SHA-1', 'SHA-512']);
  });

  it('marks development-only packages optional, and a package that also ships required', () => {
    expect(comp('pkg:npm/devtool@2.2.0')?.scope).toBe('optional');
    expect(comp('pkg:npm/real-name@4.0.0')?.scope).toBe('optional');
    // b@1.0.0 is installed under devtool (dev) and under @scope/a (ships).
    expect(comp('pkg:npm/b@1.0.0')?.scope).toBe('required');
    expect(comp('pkg:npm/fsx@1.0.5')?.scope).toBe('required');
  });

  it('carries licences as SPDX ids, expressions or names', () => {
    expect(comp('pkg:npm/b@2.0.0')?.licenses).toEqual([{ license: { id: 'ISC' } }]);
    expect(comp('pkg:npm/devtool@2.2.0')?.licenses).toEqual([{ expression: '(MIT OR Apache-2.0)' }]);
    expect(comp('pkg:npm/c@0.3.1')?.licenses).toEqual([{ license: { id: 'BSD-2-Clause' } }]);
    expect(comp('pkg:npm/real-name@4.0.0')?.licenses).toEqual([{ license: { name: 'Custom licence text' } }]);
  });

  it('records the dependency graph from the root down', () => {
    const deps = new Map(bom.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
    expect(bom.metadata.component['bom-ref']).toBe('pkg:npm/demo-app@1.4.0');
    expect(deps.get('pkg:npm/demo-app@1.4.0')).toEqual(['pkg:npm/%40app/ws@0.1.0', 'pkg:npm/%40scope/a@1.2.0', 'pkg:npm/b@2.0.0', 'pkg:npm/c@0.3.1', 'pkg:npm/devtool@2.2.0', 'pkg:npm/fsx@1.0.5']);
    expect(deps.get('pkg:npm/%40scope/a@1.2.0')).toEqual(['pkg:npm/b@1.0.0']);
    expect(deps.get('pkg:npm/devtool@2.2.0')).toEqual(['pkg:npm/b@1.0.0', 'pkg:npm/dev-only-lib@3.0.0']);
  });
});

describe('SPDX 2.3 SBOM', () => {
  it('describes the root, each package with purl and checksum, and dev edges apart', () => {
    const doc = JSON.parse(spdxSbom(readLockGraph(appCopy()), { namespace: 'https://example.test/spdx/1' })) as {
      spdxVersion: string; packages: { SPDXID: string; name: string; checksums?: { algorithm: string }[]; licenseDeclared: string; externalRefs: { referenceLocator: string }[] }[];
      relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
    };
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    expect(doc.packages).toHaveLength(10);
    for (const p of doc.packages) expect(p.SPDXID).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
    expect(new Set(doc.packages.map((p) => p.SPDXID)).size).toBe(10);
    const a = doc.packages.find((p) => p.name === '@scope/a');
    expect(a?.externalRefs[0]?.referenceLocator).toBe('pkg:npm/%40scope/a@1.2.0');
    expect(a?.checksums?.[0]?.algorithm).toBe('SHA512');
    expect(doc.packages.find((p) => p.name === 'real-name')?.licenseDeclared).toBe('NOASSERTION');
    const rel = doc.relationships.map((r) => `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`);
    expect(rel).toContain('SPDXRef-DOCUMENT DESCRIBES SPDXRef-npm-demo-app-1.4.0');
    expect(rel).toContain('SPDXRef-npm-devtool-2.2.0 DEV_DEPENDENCY_OF SPDXRef-npm-demo-app-1.4.0');
    expect(rel).toContain('SPDXRef-npm-demo-app-1.4.0 DEPENDS_ON SPDXRef-npm-b-2.0.0');
  });
});

describe('gatehouse sbom on this repository', () => {
  it('lists every package of the lock with purl and hash, and is the same as --self', () => {
    const root = gatehouseRoot();
    let out = '';
    expect(runSbom(root, {}, { write: (s) => { out += s; }, error: (s) => { throw new Error(s); } })).toBe(0);
    const lock = JSON.parse(readFileSync(`${root}/package-lock.json`, 'utf8')) as { packages: Record<string, { name?: string; version?: string; link?: boolean; integrity?: string }> };
    const expected = new Set(Object.entries(lock.packages).filter(([k, v]) => k.includes('node_modules/') && v.link !== true)
      .map(([k, v]) => npmPurl(v.name ?? k.slice(k.lastIndexOf('node_modules/') + 13), v.version ?? '')));
    const bom = JSON.parse(out) as CdxBom;
    expect(new Set(bom.components.map((c) => c.purl))).toEqual(expected);
    for (const c of bom.components) expect(c.hashes?.length, c.purl).toBeGreaterThan(0);
    let self = '';
    expect(runSbom(undefined, { self: true }, { write: (s) => { self += s; }, error: () => undefined })).toBe(0);
    expect((JSON.parse(self) as CdxBom).components.length).toBe(bom.components.length);
  });

  it('answers exit code 2 with a message for a bad format or a folder without a lock', () => {
    let err = '';
    const io = { write: () => undefined, error: (s: string) => { err += s; } };
    expect(runSbom('.', { format: 'xml' }, io)).toBe(2);
    expect(err).toMatch(/--format must be one of cyclonedx-json, spdx-json/);
    expect(runSbom('/nonexistent-dir', {}, io)).toBe(2);
    expect(err).toMatch(/no package-lock.json/);
  });
});
