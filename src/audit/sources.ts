/**
 * The files an audited document is written in: the root and the local files its `$ref`s reach.
 * The loader has already parsed every file it followed; those are reused as they are, and a file
 * only the audit reaches (a `$ref` the loader did not follow) is read and parsed once here.
 * Remote documents are never fetched.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedSpec } from '../openapi/types.js';
import { getInternals } from '../openapi/internals.js';
import { parseText, type ParsedFile } from '../openapi/parse.js';
import { RawDoc, splitAddress } from './raw.js';

export interface AuditSources {
  readonly raw: RawDoc;
  /** File and line of an address (`/a/b` in the root, `file#/a/b` elsewhere), when it is written there. */
  locate(address: string): { file: string; line: number } | undefined;
}

export function openSources(spec: LoadedSpec): AuditSources {
  const rootFile = path.resolve(spec.file);
  const parsed = new Map<string, ParsedFile | undefined>(getInternals(spec).sources ?? []);
  const read = (abs: string): ParsedFile | undefined => {
    if (parsed.has(abs)) return parsed.get(abs);
    let file: ParsedFile | undefined;
    try {
      file = parseText(readFileSync(abs, 'utf8'), abs);
    } catch {
      // Missing or unparsable: the `$ref` to it is a GH-SPEC-002 finding, not an audit failure.
      file = undefined;
    }
    parsed.set(abs, file);
    return file;
  };
  const raw = new RawDoc(spec.raw, { rootFile, read: (abs) => read(abs)?.value });
  return {
    raw,
    locate(address) {
      const { fileKey, pointer } = splitAddress(address);
      if (fileKey === '') {
        const loc = spec.locate(pointer);
        return loc === undefined ? undefined : { file: loc.file, line: loc.line };
      }
      const abs = raw.fileOf(address);
      const line = abs === undefined ? undefined : read(abs)?.locate(pointer)?.line;
      return abs === undefined || line === undefined ? undefined : { file: abs, line };
    },
  };
}
