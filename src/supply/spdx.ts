/**
 * SPDX 2.3 JSON of a lock graph. Written by hand: the document is small, and no well-kept npm
 * library builds SPDX 2.3 documents (the CycloneDX library covers CycloneDX only).
 */
import { randomUUID } from 'node:crypto';
import { SPDX } from '@cyclonedx/cyclonedx-library';
import type { LockGraph } from './lockfile.js';
import { collectComponents, integrityHashes, npmPurl } from './sbom.js';

export interface SpdxOptions {
  readonly namespace?: string;
  readonly created?: Date;
  readonly toolVersion?: string;
}

interface SpdxPackage {
  name: string;
  SPDXID: string;
  versionInfo: string;
  downloadLocation: string;
  filesAnalyzed: false;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: string;
  licenseComments?: string;
  copyrightText: 'NOASSERTION';
  checksums?: { algorithm: string; checksumValue: string }[];
  externalRefs: { referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }[];
  primaryPackagePurpose: 'APPLICATION' | 'LIBRARY';
}

const SPDX_ALGORITHMS: Readonly<Record<string, string>> = { sha1: 'SHA1', sha256: 'SHA256', sha384: 'SHA384', sha512: 'SHA512' };

export function spdxSbom(graph: LockGraph, options: SpdxOptions = {}): string {
  const { components, rootDependsOn } = collectComponents(graph);
  const used = new Set<string>();
  const idFor = (name: string, version: string): string => {
    // SPDX identifiers allow letters, digits, '.' and '-' only.
    const base = `SPDXRef-npm-${name}-${version}`.replace(/[^A-Za-z0-9.-]/g, '-');
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}-${i}`;
    used.add(id);
    return id;
  };
  const rootPurl = npmPurl(graph.root.name, graph.root.version);
  const rootId = idFor(graph.root.name, graph.root.version);
  const ids = new Map<string, string>();
  const resolvedAt = new Map(graph.packages.map((p) => [p.path, p.resolved]));
  const packages: SpdxPackage[] = [pkg(graph.root.name, graph.root.version, rootId, rootPurl, graph.root.license, undefined, undefined, 'APPLICATION')];
  for (const c of components) {
    const id = idFor(c.name, c.version);
    ids.set(c.purl, id);
    const resolved = resolvedAt.get(c.paths[0] as string);
    packages.push(pkg(c.name, c.version, id, c.purl, c.license, c.integrity, resolved, 'LIBRARY'));
  }
  const devOnly = new Set(components.filter((c) => c.devOnly).map((c) => c.purl));
  const relationships = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId }];
  for (const d of rootDependsOn) {
    const id = ids.get(d);
    if (id === undefined) continue;
    // SPDX 2.3 §11.1: DEV_DEPENDENCY_OF says "A is a development dependency of B".
    relationships.push(devOnly.has(d)
      ? { spdxElementId: id, relationshipType: 'DEV_DEPENDENCY_OF', relatedSpdxElement: rootId }
      : { spdxElementId: rootId, relationshipType: 'DEPENDS_ON', relatedSpdxElement: id });
  }
  for (const c of components) {
    const from = ids.get(c.purl) as string;
    for (const d of c.dependsOn) {
      const to = ids.get(d);
      if (to !== undefined) relationships.push({ spdxElementId: from, relationshipType: 'DEPENDS_ON', relatedSpdxElement: to });
    }
  }
  const created = (options.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const doc = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${graph.root.name}@${graph.root.version}`,
    documentNamespace: options.namespace ?? `https://gatehouse.dev/spdx/${encodeURIComponent(graph.root.name)}-${graph.root.version}-${randomUUID()}`,
    creationInfo: { created, creators: [`Tool: gatehouse-${options.toolVersion ?? '0.1.0'}`] },
    packages,
    relationships,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function pkg(
  name: string, version: string, id: string, purl: string, license: string | undefined, integrity: string | undefined,
  resolved: string | undefined, purpose: SpdxPackage['primaryPackagePurpose'],
): SpdxPackage {
  const out: SpdxPackage = {
    name,
    SPDXID: id,
    versionInfo: version,
    downloadLocation: resolved !== undefined && /^(https?|git\+[a-z]+|git):\/\//.test(resolved) ? resolved : 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }],
    primaryPackagePurpose: purpose,
  };
  if (license !== undefined) {
    if (isSpdxExpression(license)) out.licenseDeclared = license;
    else out.licenseComments = `declared licence (not an SPDX expression): ${license}`;
  }
  const sums = integrityHashes(integrity).map((h) => ({ algorithm: SPDX_ALGORITHMS[h.alg] as string, checksumValue: h.hex }));
  if (sums.length > 0) out.checksums = sums;
  return out;
}

/** Ids from the SPDX list joined by AND / OR / WITH, with parentheses: what npm's `license` holds. */
function isSpdxExpression(s: string): boolean {
  const tokens = s.replace(/[()]/g, ' ').split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) return false;
  return tokens.every((t, i) => (i % 2 === 1 ? /^(AND|OR|WITH)$/.test(t) : SPDX.isSupportedSpdxId(t) || /^[A-Za-z0-9.-]+-exception$/i.test(t) || /^LicenseRef-[A-Za-z0-9.-]+$/.test(t)));
}
