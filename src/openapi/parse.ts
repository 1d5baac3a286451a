import { LineCounter, parseDocument, isMap, isSeq, isAlias, isPair, isScalar, type Document, type Node } from 'yaml';
import { SpecError } from '../errors/index.js';
import { JsonLocator } from './json-locator.js';
import { parsePointer } from './pointer.js';

/** A parsed source file and a way back from JSON pointers to its lines. */
export interface ParsedFile {
  readonly file: string;
  readonly value: unknown;
  locate(pointer: string): { line: number; column: number } | undefined;
}

/**
 * JSON is parsed with JSON.parse (fast on multi-megabyte specs) and located lazily; YAML keeps its
 * document tree so a pointer can be walked to a node's source range.
 */
export function parseText(text: string, file: string): ParsedFile {
  const start = firstNonSpace(text);
  if (start === '{' || start === '[') {
    try {
      const value: unknown = JSON.parse(text);
      const locator = new JsonLocator(text);
      return { file, value, locate: (p) => locator.locate(p) };
    } catch (err) {
      // Not strict JSON (comments, trailing commas...): YAML may still read it; if it cannot,
      // report the JSON error, which is the one the author meant to write.
      try {
        return parseYaml(text, file);
      } catch {
        const pos = /position (\d+)/.exec((err as Error).message);
        const line = pos === null ? undefined : new JsonLocator(text).position(Number(pos[1])).line;
        throw new SpecError(file, `not valid JSON: ${(err as Error).message}`, line === undefined ? {} : { line });
      }
    }
  }
  return parseYaml(text, file);
}

function firstNonSpace(text: string): string {
  const m = /\S/.exec(text.length > 4096 ? text.slice(0, 4096) : text);
  return m === null ? '' : m[0];
}

function parseYaml(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false });
  } catch (err) {
    throw new SpecError(file, `not valid YAML: ${(err as Error).message}`);
  }
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new SpecError(file, `not valid YAML: ${first.message.split('\n')[0] ?? ''}`, { line });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    throw new SpecError(file, `not valid YAML: ${(err as Error).message}`);
  }
  const locate = (pointer: string): { line: number; column: number } | undefined => {
    const tokens = parsePointer(pointer);
    if (tokens === undefined) return undefined;
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const token of tokens) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === token);
        if (pair === undefined) return undefined;
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.items[Number(token)];
        if (node === undefined) return undefined;
        offset = (node as Node).range?.[0] ?? offset;
      } else {
        return undefined;
      }
    }
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  return { file, value, locate };
}
