/**
 * CycloneDX SBOM of a lock graph, built and serialised with the OWASP `@cyclonedx/cyclonedx-library`
 * (it owns the schema details: field order, bom-ref uniqueness, hash and licence validation).
 * One component per distinct name@version: npm may install the same release at several paths,
 * and CycloneDX bom-refs must be unique.
 */
import { randomUUID } from 'node:crypto';
import { Enums, Models, SPDX, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import type { LockGraph, LockPackage } from './lockfile.js';

export type CycloneDxVersion = '1.5' | '1.6';
export const CYCLONEDX_VERSIONS: readonly CycloneDxVersion[] = ['1.5', '1.6'];

export interface SbomOptions {
  readonly specVersion?: CycloneDxVersion;
  /** Fixed for reproducible output; a fresh `urn:uuid:` otherwise. */
  readonly serialNumber?: string;
  readonly timestamp?: Date;
  readonly toolVersion?: string;
}

/** One entry per distinct name@version, merged over every path it is installed at. */
export interface SbomComponent {
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  readonly license: string | undefined;
  readonly integrity: string | undefined;
  /** True only when every installed copy is development-only. */
  readonly devOnly: boolean;
  readonly dependsOn: readonly string[];
  readonly paths: readonly string[];
}

/** `pkg:npm/%40scope/name@1.2.3` (purl spec: the scope is the namespace, `@` percent-encoded). */
export function npmPurl(name: string, version: string): string {
  const enc = (s: string): string => encodeURIComponent(s);
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const path = slash > 0 ? `${enc(name.slice(0, slash))}/${enc(name.slice(slash + 1))}` : enc(name);
  return `pkg:npm/${path}@${enc(version)}`;
}

const SRI_ALGORITHMS: Readonly<Record<string, Enums.HashAlgorithm>> = {
  sha1: Enums.HashAlgorithm['SHA-1'],
  sha256: Enums.HashAlgorithm['SHA-256'],
  sha384: Enums.HashAlgorithm['SHA-384'],
  sha512: Enums.HashAlgorithm['SHA-512'],
};

/** Subresource-integrity strings (`sha512-<base64>`, possibly several) as algorithm and hex. */
export function integrityHashes(integrity: string | undefined): { alg: string; hex: string }[] {
  if (integrity === undefined) return [];
  const out: { alg: string; hex: string }[] = [];
  for (const part of integrity.trim().split(/\s+/)) {
    const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(part);
    if (m === null) continue;
    out.push({ alg: m[1] as string, hex: Buffer.from(m[2] as string, 'base64').toString('hex') });
  }
  return out;
}

export function collectComponents(graph: LockGraph): { components: SbomComponent[]; rootDependsOn: string[] } {
  const byPath = new Map<string, LockPackage>(graph.packages.map((p) => [p.path, p]));
  const keyOf = (path: string): string | undefined => {
    const p = byPath.get(path);
    return p === undefined ? undefined : npmPurl(p.name, p.version);
  };
  const merged = new Map<string, { first: LockPackage; devOnly: boolean; deps: Set<string>; paths: string[] }>();
  for (const p of graph.packages) {
    const purl = npmPurl(p.name, p.version);
    let m = merged.get(purl);
    if (m === undefined) {
      m = { first: p, devOnly: true, deps: new Set(), paths: [] };
      merged.set(purl, m);
    }
    m.devOnly &&= p.dev;
    m.paths.push(p.path);
    for (const d of p.dependsOn) {
      const k = keyOf(d);
      if (k !== undefined && k !== purl) m.deps.add(k);
    }
  }
  const components = [...merged].map(([purl, m]) => ({
    name: m.first.name,
    version: m.first.version,
    purl,
    license: m.first.license,
    integrity: m.first.integrity,
    devOnly: m.devOnly,
    dependsOn: [...m.deps].sort(),
    paths: m.paths,
  }));
  const rootDependsOn = [...new Set(graph.root.dependsOn.map(keyOf).filter((k): k is string => k !== undefined))].sort();
  return { components, rootDependsOn };
}

export function cycloneDxSbom(graph: LockGraph, options: SbomOptions = {}): string {
  const { components, rootDependsOn } = collectComponents(graph);
  const bom = new Models.Bom();
  bom.serialNumber = options.serialNumber ?? `urn:uuid:${randomUUID()}`;
  bom.metadata.timestamp = options.timestamp ?? new Date();
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, 'gatehouse', { version: options.toolVersion ?? '0.1.0' }));
  const rootPurl = npmPurl(graph.root.name, graph.root.version);
  const root = new Models.Component(Enums.ComponentType.Application, bareName(graph.root.name), {
    version: graph.root.version, purl: rootPurl, bomRef: rootPurl, ...groupOf(graph.root.name),
  });
  addLicense(root, graph.root.license);
  bom.metadata.component = root;
  const built = new Map<string, Models.Component>();
  for (const c of components) {
    const comp = new Models.Component(Enums.ComponentType.Library, bareName(c.name), {
      version: c.version, purl: c.purl, bomRef: c.purl, ...groupOf(c.name),
      // CycloneDX: "optional" marks what is not needed at run time; dev-only packages never ship.
      scope: c.devOnly ? Enums.ComponentScope.Optional : Enums.ComponentScope.Required,
    });
    for (const h of integrityHashes(c.integrity)) {
      const alg = SRI_ALGORITHMS[h.alg];
      if (alg !== undefined) comp.hashes.set(alg, h.hex);
    }
    addLicense(comp, c.license);
    bom.components.add(comp);
    built.set(c.purl, comp);
  }
  for (const c of components) {
    const comp = built.get(c.purl);
    for (const d of c.dependsOn) {
      const dep = built.get(d);
      if (dep !== undefined) comp?.dependencies.add(dep.bomRef);
    }
  }
  for (const d of rootDependsOn) {
    const dep = built.get(d);
    if (dep !== undefined) root.dependencies.add(dep.bomRef);
  }
  const spec = options.specVersion === '1.5' ? Spec.Spec1dot5 : Spec.Spec1dot6;
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(spec));
  return serializer.serialize(bom, { sortLists: true, space: 2 }) + '\n';
}

function addLicense(comp: Models.Component, license: string | undefined): void {
  if (license === undefined) return;
  if (SPDX.isSupportedSpdxId(license)) comp.licenses.add(new Models.SpdxLicense(license));
  else if (/\s(OR|AND|WITH)\s/.test(license)) comp.licenses.add(new Models.LicenseExpression(license));
  else comp.licenses.add(new Models.NamedLicense(license));
}

function bareName(name: string): string {
  return name.startsWith('@') && name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
}

function groupOf(name: string): { group?: string } {
  return name.startsWith('@') && name.includes('/') ? { group: name.slice(0, name.indexOf('/')) } : {};
}
