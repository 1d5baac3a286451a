/**
 * TEMPORARY: a minimal OpenAPI reader used only until `src/openapi/index.ts` (the shared loader)
 * exists; `../load.ts` prefers the real loader whenever it is present. It fills just what the
 * audit reads (raw, operations with pointers, security schemes, servers, locate); schemas stay
 * raw (un-dereferenced): the audit resolves `$ref`s itself from the raw document.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node as YamlNode } from 'yaml';
import { SpecError } from '../../errors/index.js';
import type {
  HttpMethod, LoadedSpec, Operation, Parameter, ParameterLocation, RequestBody, Response, SecurityRequirement,
  SecurityScheme, SourceLocation, SpecVersion,
} from '../../openapi/types.js';
import { RawDoc, child, isObject, segmentsOf, type Json } from '../raw.js';
import { indexJsonLines } from './json-lines.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export async function interimLoadSpec(file: string): Promise<LoadedSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SpecError(file, `cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  let raw: unknown;
  let locateLine: (pointer: string) => number | undefined;
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new SpecError(file, `invalid JSON: ${(err as Error).message}`);
    }
    let index: Map<string, number> | undefined;
    locateLine = (p) => (index ??= indexJsonLines(text)).get(p);
  } else {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = first.linePos?.[0].line;
      throw new SpecError(file, `invalid YAML: ${first.message.split('\n')[0] ?? ''}`, line === undefined ? {} : { line });
    }
    try {
      raw = doc.toJS({ maxAliasCount: 10_000 });
    } catch (err) {
      throw new SpecError(file, `invalid YAML: ${(err as Error).message}`);
    }
    locateLine = (p) => {
      const offset = yamlOffsetOf(doc.contents, p);
      return offset === undefined ? undefined : lc.linePos(offset).line;
    };
  }
  if (!isObject(raw)) throw new SpecError(file, 'the document is not an object');
  const versionString = typeof raw.openapi === 'string' ? raw.openapi : typeof raw.swagger === 'string' ? raw.swagger : undefined;
  if (versionString === undefined) throw new SpecError(file, 'neither `openapi` nor `swagger` version field found: not an OpenAPI document');
  const version: SpecVersion | undefined = versionString.startsWith('2.') ? '2.0' : versionString.startsWith('3.0') ? '3.0' : versionString.startsWith('3.1') ? '3.1' : undefined;
  if (version === undefined) throw new SpecError(file, `unsupported OpenAPI version ${versionString}`, { pointer: raw.openapi === undefined ? '/swagger' : '/openapi' });
  return build(file, raw, version, versionString, locateLine);
}

/** Offset of the node at a pointer; for a mapping entry, of its key (the line a reader looks for). */
function yamlOffsetOf(root: unknown, pointer: string): number | undefined {
  let node = root as YamlNode | null | undefined;
  let offset = node?.range?.[0];
  for (const seg of segmentsOf(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((it) => String(isScalar(it.key) ? it.key.value : it.key) === seg);
      if (pair === undefined) return undefined;
      offset = (pair.key as YamlNode | null)?.range?.[0];
      node = pair.value as YamlNode | undefined;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)] as YamlNode | undefined;
      offset = node?.range?.[0];
    } else return undefined;
  }
  return offset;
}

function build(file: string, root: Json, version: SpecVersion, versionString: string, locateLine: (p: string) => number | undefined): LoadedSpec {
  const raw = new RawDoc(root);
  const info = isObject(root.info) ? root.info : {};
  const docSecurity = securityList(root.security) ?? [];
  const operations: Operation[] = [];
  const paths = isObject(root.paths) ? root.paths : {};
  for (const [path, itemRaw] of Object.entries(paths)) {
    const item = raw.resolve(itemRaw, child('/paths', path));
    if (!isObject(item.node)) continue;
    for (const m of METHODS) {
      const opPtr = child(item.pointer, m);
      const op = item.node[m];
      if (!isObject(op)) continue;
      const params = new Map<string, Parameter>();
      let body: RequestBody | undefined;
      const formProps: Record<string, unknown> = {};
      for (const [listPtr, list] of [[child(item.pointer, 'parameters'), item.node.parameters], [child(opPtr, 'parameters'), op.parameters]] as const) {
        if (!Array.isArray(list)) continue;
        list.forEach((p, i) => {
          const r = raw.resolve(p, child(listPtr, i));
          if (!isObject(r.node) || typeof r.node.name !== 'string' || typeof r.node.in !== 'string') return;
          const pn = r.node;
          if (pn.in === 'body') {
            body = { required: pn.required === true, content: { [consumes(root, op)]: { schema: isObject(pn.schema) ? pn.schema : undefined } }, pointer: r.pointer };
            return;
          }
          if (pn.in === 'formData') { formProps[pn.name as string] = pn; return; }
          params.set(`${pn.in}:${String(pn.name)}`, {
            name: pn.name as string, in: pn.in as ParameterLocation, required: pn.required === true,
            schema: version === '2.0' ? pn : isObject(pn.schema) ? pn.schema : undefined,
            style: typeof pn.style === 'string' ? pn.style : 'simple', explode: pn.explode === true,
            deprecated: pn.deprecated === true, allowReserved: pn.allowReserved === true, pointer: r.pointer, extensions: extensionsOf(pn),
          });
        });
      }
      if (version !== '2.0' && op.requestBody !== undefined) {
        const rb = raw.resolve(op.requestBody, child(opPtr, 'requestBody'));
        if (isObject(rb.node)) body = { required: rb.node.required === true, content: contentOf(rb.node.content), pointer: rb.pointer };
      } else if (Object.keys(formProps).length > 0) {
        body = { required: false, content: { [consumes(root, op, 'multipart/form-data')]: { schema: { type: 'object', properties: formProps } } }, pointer: child(opPtr, 'parameters') };
      }
      const responses: Record<string, Response> = {};
      if (isObject(op.responses)) {
        for (const [code, rr] of Object.entries(op.responses)) {
          const r = raw.resolve(rr, child(opPtr, 'responses', code));
          if (!isObject(r.node)) continue;
          const content = version === '2.0'
            ? (isObject(r.node.schema) ? { [produces(root, op)]: { schema: r.node.schema } } : {})
            : contentOf(r.node.content);
          const headers: Record<string, { required: boolean; schema: Record<string, unknown> | undefined }> = {};
          if (isObject(r.node.headers)) {
            for (const [h, hv] of Object.entries(r.node.headers)) if (isObject(hv)) headers[h] = { required: hv.required === true, schema: isObject(hv.schema) ? hv.schema : hv };
          }
          responses[code] = { description: typeof r.node.description === 'string' ? r.node.description : '', content, headers, pointer: r.pointer };
        }
      }
      const ownSecurity = securityList(op.security);
      const operationId = typeof op.operationId === 'string' ? op.operationId : undefined;
      operations.push({
        id: operationId ?? `${m.toUpperCase()} ${path}`, operationId, method: m.toUpperCase() as HttpMethod, path,
        summary: typeof op.summary === 'string' ? op.summary : undefined,
        tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === 'string') : [],
        deprecated: op.deprecated === true, parameters: [...params.values()], requestBody: body, responses,
        security: ownSecurity ?? docSecurity, extensions: extensionsOf(op), pointer: opPtr,
      });
    }
  }
  return {
    file, version, versionString, title: typeof info.title === 'string' ? info.title : '', apiVersion: typeof info.version === 'string' ? info.version : '',
    raw: root, servers: serversOf(root, version), basePaths: [], operations, securitySchemes: schemesOf(root, version), security: docSecurity, problems: [],
    locate(pointer: string): SourceLocation | undefined {
      const line = locateLine(pointer);
      return line === undefined ? undefined : { file, line, column: 1 };
    },
  };
}

function contentOf(c: unknown): Record<string, { schema: Record<string, unknown> | undefined }> {
  const out: Record<string, { schema: Record<string, unknown> | undefined }> = {};
  if (isObject(c)) for (const [mt, v] of Object.entries(c)) out[mt] = { schema: isObject(v) && isObject(v.schema) ? v.schema : undefined };
  return out;
}

function consumes(root: Json, op: Json, fallback = 'application/json'): string {
  const list = Array.isArray(op.consumes) ? op.consumes : Array.isArray(root.consumes) ? root.consumes : [];
  return typeof list[0] === 'string' ? list[0] : fallback;
}

function produces(root: Json, op: Json): string {
  const list = Array.isArray(op.produces) ? op.produces : Array.isArray(root.produces) ? root.produces : [];
  return typeof list[0] === 'string' ? list[0] : 'application/json';
}

function securityList(v: unknown): SecurityRequirement[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter(isObject).map((req) => Object.fromEntries(Object.entries(req).map(([k, s]) => [k, Array.isArray(s) ? s.map(String) : []])));
}

function extensionsOf(o: Json): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith('x-')));
}

function serversOf(root: Json, version: SpecVersion): string[] {
  if (version !== '2.0') return Array.isArray(root.servers) ? root.servers.filter(isObject).map((s) => String(s.url ?? '')) : [];
  if (typeof root.host !== 'string') return [];
  const schemes = Array.isArray(root.schemes) && root.schemes.length > 0 ? root.schemes.map(String) : ['https'];
  const base = typeof root.basePath === 'string' ? root.basePath : '';
  return schemes.map((s) => `${s}://${String(root.host)}${base}`);
}

function schemesOf(root: Json, version: SpecVersion): Record<string, SecurityScheme> {
  const out: Record<string, SecurityScheme> = {};
  const base = version === '2.0' ? '/securityDefinitions' : '/components/securitySchemes';
  const src = version === '2.0' ? root.securityDefinitions : isObject(root.components) ? root.components.securitySchemes : undefined;
  if (!isObject(src)) return out;
  for (const [name, s] of Object.entries(src)) {
    if (!isObject(s) || typeof s.type !== 'string') continue;
    const pointer = child(base, name);
    if (version === '2.0' && s.type === 'basic') { out[name] = { type: 'http', scheme: 'basic', pointer }; continue; }
    if (version === '2.0' && s.type === 'oauth2') {
      const flow = s.flow === 'application' ? 'clientCredentials' : s.flow === 'accessCode' ? 'authorizationCode' : String(s.flow);
      out[name] = { type: 'oauth2', pointer, flows: { [flow]: { scopes: isObject(s.scopes) ? s.scopes as Record<string, string> : {}, ...strField(s, 'authorizationUrl'), ...strField(s, 'tokenUrl') } } };
      continue;
    }
    const flows: Record<string, { scopes?: Record<string, string>; authorizationUrl?: string; tokenUrl?: string }> = {};
    if (isObject(s.flows)) for (const [f, fv] of Object.entries(s.flows)) if (isObject(fv)) flows[f] = { scopes: isObject(fv.scopes) ? fv.scopes as Record<string, string> : {}, ...strField(fv, 'authorizationUrl'), ...strField(fv, 'tokenUrl') };
    out[name] = {
      type: s.type, pointer, flows, ...strField(s, 'scheme'), ...strField(s, 'name'), ...strField(s, 'openIdConnectUrl'), ...strField(s, 'bearerFormat'),
      ...(s.in === 'query' || s.in === 'header' || s.in === 'cookie' ? { in: s.in } : {}),
    };
  }
  return out;
}

function strField<K extends string>(o: Json, k: K): Partial<Record<K, string>> {
  const v = o[k];
  return typeof v === 'string' ? ({ [k]: v } as Partial<Record<K, string>>) : {};
}
