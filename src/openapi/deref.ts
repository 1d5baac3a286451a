import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SpecError } from '../errors/index.js';
import type { SpecProblem } from './types.js';
import { parseText, type ParsedFile } from './parse.js';
import { getAt, isObject, parsePointer, toPointer } from './pointer.js';

/** Keys whose values are data, never spec structure: a `$ref` inside them is not a reference. */
const LITERAL_KEYS = new Set(['example', 'default', 'enum', 'const', 'value' /* Example Object */]);
/** Keys whose values are maps from names to nodes (a property may be called `example` or `x-a`). */
const NAME_MAPS = new Set([
  'properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas', 'paths', 'responses',
  'headers', 'content', 'encoding', 'callbacks', 'links', 'securitySchemes', 'securityDefinitions',
  'schemas', 'parameters', 'requestBodies', 'examples', 'webhooks', 'variables', 'scopes', 'mapping',
  'pathItems',
]);
/** Sibling keys of a 3.1 `$ref` that change nothing about validation. */
const ANNOTATIONS = new Set(['description', 'summary', 'title', '$comment', 'example', 'examples', 'deprecated']);

type Kind = 'node' | 'map';

export interface Origin {
  readonly file: string;
  readonly pointer: string;
}

/**
 * Dereferences a document once. A `$ref` is replaced by its target's dereferenced object, so two
 * references to one target give the same JS object and a recursive schema becomes a cyclic
 * graph (the recursion runs through the memo, not the stack). Consumers walking schemas must
 * therefore guard against cycles; the validator compiler registers ref targets separately.
 */
export class Dereferencer {
  readonly problems: SpecProblem[] = [];
  /** Dereferenced objects that are the target of at least one `$ref`. */
  readonly refTargets = new WeakSet<object>();
  /** Where each ref target came from (file and pointer), for reports and schema names. */
  readonly origins = new WeakMap<object, Origin>();
  readonly files = new Map<string, ParsedFile>();
  readonly #memo = new Map<object, unknown>();
  readonly #aliasing = new Set<object>();
  readonly #allowSiblings: boolean;
  #file: string;
  #path: (string | number)[] = [];

  constructor(root: ParsedFile, options: { refSiblings: boolean }) {
    this.files.set(root.file, root);
    this.#file = root.file;
    this.#allowSiblings = options.refSiblings;
  }

  dereference(): unknown {
    const root = this.files.get(this.#file);
    const out = this.#walk(root?.value, 'node');
    // Ref targets are filled from a queue, not by recursion at the $ref, so the stack depth is
    // bounded by one document's nesting however long a chain of references is.
    for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
      this.#file = item.file;
      this.#path = item.tokens.slice();
      this.#fill(item.raw, item.out);
    }
    this.#memo.clear();
    return out;
  }

  readonly #queue: { raw: object; out: object; file: string; tokens: string[] }[] = [];

  #walk(node: unknown, kind: Kind): unknown {
    if (node === null || typeof node !== 'object') return node;
    const done = this.#memo.get(node);
    if (done !== undefined) return done;
    const obj = node as Record<string, unknown>;
    if (!Array.isArray(node) && kind === 'node' && typeof obj.$ref === 'string') return this.#followRef(obj);
    const out: object = Array.isArray(node) ? [] : {};
    this.#memo.set(node, out);
    this.#fill(node, out, kind);
    return out;
  }

  #fill(node: object, into: object, kind: Kind = 'node'): void {
    if (Array.isArray(node)) {
      const out = into as unknown[];
      for (let i = 0; i < node.length; i++) {
        this.#path.push(i);
        out.push(this.#walk(node[i], 'node'));
        this.#path.pop();
      }
      return;
    }
    const obj = node as Record<string, unknown>;
    const out = into as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const child = obj[key];
      if (kind === 'node' && (LITERAL_KEYS.has(key) || key.startsWith('x-') || (key === 'examples' && Array.isArray(child)))) {
        out[key] = child;
        continue;
      }
      let childKind: Kind = 'node';
      if (kind === 'node' && NAME_MAPS.has(key) && isObject(child)) childKind = 'map';
      this.#path.push(key);
      out[key] = this.#walk(child, childKind);
      this.#path.pop();
    }
  }

  /** The dereferenced object for a ref target: memoised, filled later from the queue. */
  #target(target: { file: string; tokens: string[]; value: unknown }): unknown {
    const raw = target.value;
    if (raw === null || typeof raw !== 'object') return raw;
    const done = this.#memo.get(raw);
    if (done !== undefined) return done;
    const obj = raw as Record<string, unknown>;
    if (!Array.isArray(raw) && typeof obj.$ref === 'string') {
      // A reference to a reference: resolve the alias now (chains of aliases are short).
      const saved = { file: this.#file, path: this.#path };
      this.#file = target.file;
      this.#path = target.tokens.slice();
      const result = this.#followRef(obj);
      this.#file = saved.file;
      this.#path = saved.path;
      return result;
    }
    const out: object = Array.isArray(raw) ? [] : {};
    this.#memo.set(raw, out);
    this.#queue.push({ raw, out, file: target.file, tokens: target.tokens });
    return out;
  }

  #followRef(refNode: Record<string, unknown>): unknown {
    const ref = refNode.$ref as string;
    const target = this.#resolve(ref);
    let result: unknown;
    if (target === undefined) {
      result = {};
    } else if (this.#aliasing.has(refNode)) {
      this.#problem('error', 'ref-cycle', `$ref "${ref}" only refers to itself through other $refs`);
      result = {};
    } else {
      this.#aliasing.add(refNode);
      result = this.#target(target);
      this.#aliasing.delete(refNode);
      if (result !== null && typeof result === 'object') {
        this.refTargets.add(result);
        if (!this.origins.has(result)) this.origins.set(result, { file: target.file, pointer: toPointer(target.tokens) });
      }
    }
    // OpenAPI 3.1 schemas apply the keywords beside a `$ref` too: keep them by wrapping in allOf.
    if (this.#allowSiblings && Object.keys(refNode).some((k) => k !== '$ref' && !ANNOTATIONS.has(k) && !k.startsWith('x-'))) {
      const out: Record<string, unknown> = {};
      this.#memo.set(refNode, out);
      for (const key of Object.keys(refNode)) {
        if (key === '$ref') continue;
        this.#path.push(key);
        out[key] = LITERAL_KEYS.has(key) ? refNode[key] : this.#walk(refNode[key], NAME_MAPS.has(key) ? 'map' : 'node');
        this.#path.pop();
      }
      out.allOf = Array.isArray(out.allOf) ? [...(out.allOf as unknown[]), result] : [result];
      return out;
    }
    this.#memo.set(refNode, result);
    return result;
  }

  #resolve(ref: string): { file: string; tokens: string[]; value: unknown } | undefined {
    const hash = ref.indexOf('#');
    const filePart = hash === -1 ? ref : ref.slice(0, hash);
    const fragment = hash === -1 ? '' : ref.slice(hash + 1);
    let file = this.#file;
    if (filePart !== '') {
      if (/^[a-z][a-z0-9+.-]*:/i.test(filePart) && !filePart.startsWith('file:')) {
        this.#problem('error', 'remote-ref', `$ref "${ref}" points to a remote document; remote references are not followed`);
        return undefined;
      }
      const local = filePart.startsWith('file:') ? new URL(filePart).pathname : decodeURI(filePart);
      file = path.resolve(path.dirname(this.#file), local);
      if (this.#load(file, ref) === undefined) return undefined;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(fragment);
    } catch {
      decoded = fragment;
    }
    const tokens = parsePointer(decoded);
    if (tokens === undefined) {
      this.#problem('error', 'unsupported-ref', `$ref "${ref}" uses a fragment that is not a JSON pointer`);
      return undefined;
    }
    const value = getAt(this.files.get(file)?.value, tokens);
    if (value === undefined) {
      this.#problem('error', 'dangling-ref', `$ref "${ref}" points to nothing`);
      return undefined;
    }
    return { file, tokens, value };
  }

  #load(file: string, ref: string): ParsedFile | undefined {
    const cached = this.files.get(file);
    if (cached !== undefined) return cached;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
      this.#problem('error', 'dangling-ref', `$ref "${ref}": file ${file} ${why}`);
      return undefined;
    }
    try {
      const parsed = parseText(text, file);
      this.files.set(file, parsed);
      return parsed;
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      this.#problem('error', 'unreadable-ref', `$ref "${ref}": ${err.message}`);
      return undefined;
    }
  }

  #problem(severity: 'error' | 'warning', code: string, message: string): void {
    const pointer = toPointer(this.#path);
    const line = this.files.get(this.#file)?.locate(pointer)?.line;
    const problem: SpecProblem = { severity, code, message, file: this.#file, pointer, ...(line === undefined ? {} : { line }) };
    this.problems.push(problem);
  }
}
