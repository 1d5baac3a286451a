import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SpecError } from '../errors/index.js';
import type { LoadedSpec, SecurityScheme, SpecVersion } from './types.js';
import { Dereferencer } from './deref.js';
import { setInternals } from './internals.js';
import { checkedSecurity, extractOperations } from './operations.js';
import { parseText, type ParsedFile } from './parse.js';
import { escapeToken, isObject } from './pointer.js';
import { v2SecurityScheme, v2Servers } from './normalize-v2.js';
import { basePathsOf, v3Servers } from './servers.js';

export interface LoadOptions {
  /** Remote (`http:`) references are never fetched; the option exists to make that explicit. */
  readonly allowRemoteRefs?: false;
}

/** Reads, parses, dereferences and normalises an OpenAPI 2.0 / 3.0 / 3.1 document. */
export async function loadSpec(file: string, _options?: LoadOptions): Promise<LoadedSpec> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file does not exist' : `cannot be read (${(err as Error).message})`;
    throw new SpecError(absolute, why);
  }
  return loadSpecFromString(text, absolute);
}

/** As loadSpec, for text already in memory; relative file `$ref`s resolve from `name`'s folder. */
export function loadSpecFromString(text: string, name: string): LoadedSpec {
  const t0 = performance.now();
  const parsed = parseText(text, name);
  const t1 = performance.now();
  const { version, versionString } = detectVersion(parsed);
  const deref = new Dereferencer(parsed, { refSiblings: version === '3.1' });
  let doc: Record<string, unknown>;
  try {
    doc = deref.dereference() as Record<string, unknown>;
  } catch (err) {
    // Only a document nested thousands of levels deep gets here; say so rather than crash.
    if (err instanceof RangeError) throw new SpecError(name, 'the document is nested too deeply to load', { cause: err });
    throw err;
  }
  const t2 = performance.now();
  const problems = deref.problems;
  const locate = (pointer: string): number | undefined => parsed.locate(pointer)?.line;
  const locateIn = (pointer: string, file: string): number | undefined => deref.files.get(file)?.locate(pointer)?.line;
  const ctx = { problems, file: name, locate, locateIn };
  const security = doc.security === undefined ? [] : checkedSecurity(ctx, doc.security, { file: undefined, pointer: '/security' });
  const operations = extractOperations({ ...ctx, version, doc, origins: deref.origins, security });
  const info = isObject(doc.info) ? doc.info : {};
  const servers = version === '2.0' ? v2Servers(doc) : v3Servers(doc.servers);
  const spec: LoadedSpec = {
    file: name,
    files: [...deref.files.keys()],
    version,
    versionString,
    title: typeof info.title === 'string' ? info.title : '',
    apiVersion: info.version === undefined ? '' : String(info.version),
    raw: parsed.value as Record<string, unknown>,
    servers,
    basePaths: basePathsOf(servers),
    operations,
    securitySchemes: securitySchemes(doc, version),
    security,
    problems,
    locate: (pointer, file) => {
      const source: ParsedFile | undefined = deref.files.get(file === undefined ? name : path.resolve(file));
      const pos = source?.locate(pointer);
      return pos === undefined || source === undefined ? undefined : { file: source.file, line: pos.line, column: pos.column };
    },
  };
  setInternals(spec, {
    refTargets: deref.refTargets,
    origins: deref.origins,
    timings: { parseMs: t1 - t0, derefMs: t2 - t1 },
    sources: deref.files,
  });
  return spec;
}

function detectVersion(parsed: ParsedFile): { version: SpecVersion; versionString: string } {
  const doc = parsed.value;
  if (!isObject(doc)) {
    throw new SpecError(parsed.file, 'not an OpenAPI document: the top level is not a mapping', { line: 1 });
  }
  if (doc.swagger !== undefined) {
    const v = String(doc.swagger);
    if (v === '2.0' || v === '2') return { version: '2.0', versionString: v };
    throw new SpecError(parsed.file, `unsupported Swagger version "${v}" (supported: 2.0, OpenAPI 3.0, 3.1)`, lineOf(parsed, '/swagger'));
  }
  if (doc.openapi !== undefined) {
    const v = String(doc.openapi);
    if (/^3\.0(\.\d+)?(-.*)?$/.test(v)) return { version: '3.0', versionString: v };
    if (/^3\.1(\.\d+)?(-.*)?$/.test(v)) return { version: '3.1', versionString: v };
    throw new SpecError(parsed.file, `unsupported OpenAPI version "${v}" (supported: 2.0, 3.0, 3.1)`, lineOf(parsed, '/openapi'));
  }
  throw new SpecError(parsed.file, 'not an OpenAPI document: no "openapi" or "swagger" version field at the top level', { line: 1 });
}

function lineOf(parsed: ParsedFile, pointer: string): { pointer: string; line?: number } {
  const line = parsed.locate(pointer)?.line;
  return line === undefined ? { pointer } : { pointer, line };
}

function securitySchemes(doc: Record<string, unknown>, version: SpecVersion): Record<string, SecurityScheme> {
  const out: Record<string, SecurityScheme> = {};
  const components = isObject(doc.components) ? doc.components : {};
  const raw = version === '2.0' ? doc.securityDefinitions : components.securitySchemes;
  if (!isObject(raw)) return out;
  const base = version === '2.0' ? '/securityDefinitions' : '/components/securitySchemes';
  for (const [name, s] of Object.entries(raw)) {
    if (!isObject(s)) continue;
    const pointer = `${base}/${escapeToken(name)}`;
    out[name] = version === '2.0' ? v2SecurityScheme(s, pointer) : { ...(s as Omit<SecurityScheme, 'pointer'>), pointer };
  }
  return out;
}
