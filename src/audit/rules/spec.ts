import { existsSync } from 'node:fs';
import path from 'node:path';
import { splitAddress } from '../raw.js';
import type { Rule } from '../types.js';

/** Rules about the document itself. GH-SPEC-001/004/005 are raised by the engine, not by a check. */
export const specRules: Rule[] = [
  {
    id: 'GH-SPEC-001', title: 'Document cannot be read', severity: 'critical', owasp: 'API9:2023',
    description: 'The file is missing, not YAML/JSON, or not an OpenAPI 2.0/3.0/3.1 document, so nothing in it can be enforced.',
    fix: 'Fix the syntax or version error reported at the given line.',
  },
  {
    id: 'GH-SPEC-002', title: '`$ref` does not resolve', severity: 'medium', owasp: 'API8:2023',
    description: 'A dangling reference (a missing component, a missing file or pointer in it) leaves a schema or parameter undefined, so validation silently accepts anything there; a remote one is never fetched, so what it describes goes unchecked.',
    fix: 'Point the `$ref` at an existing component or local file, or add the missing component; copy a remote document into the repository.',
    check(ctx, emit) {
      // Every `$ref` of the root and of the local files it reaches: internal, into another file, or remote.
      ctx.raw.walkAll((node, address) => {
        const ref = node.$ref;
        if (typeof ref !== 'string') return;
        const at = address();
        const t = ctx.raw.target(ref, at);
        if (t.kind === 'remote') emit(at, `$ref ${ref} is a remote document and is not followed: what it describes is not audited`);
        else if (t.kind === 'file' && !ctx.raw.hasFile(splitAddress(t.address).fileKey)) emit(at, `$ref ${ref}: file ${path.basename(t.file)} ${existsSync(t.file) ? 'cannot be read as YAML or JSON' : 'does not exist'}`);
        else if (ctx.raw.get(t.address) === undefined) emit(at, `$ref ${ref} does not resolve`);
      });
      for (const p of ctx.spec.problems) if (/ref/i.test(p.code) && !p.pointer.startsWith('#')) emit(ctx.raw.addressIn(p.file, p.pointer), p.message);
    },
  },
  {
    id: 'GH-SPEC-003', title: 'Loader problem', severity: 'low', owasp: 'API9:2023',
    description: 'The loader found a non-fatal problem (duplicate operationId, invalid value) that makes the contract ambiguous.',
    fix: 'Correct the document as the message says.',
    check(ctx, emit) {
      for (const p of ctx.spec.problems) if (!/ref/i.test(p.code)) emit(ctx.raw.addressIn(p.file, p.pointer), `${p.code}: ${p.message}`);
    },
  },
  {
    id: 'GH-SPEC-004', title: 'Suppression without a reason', severity: 'low', owasp: 'API9:2023',
    description: 'An `x-gatehouse-ignore` entry without a reason hides a finding with no record of why; it is not honoured.',
    fix: 'Write `x-gatehouse-ignore: { RULE-ID: "why this is acceptable" }`.',
  },
  {
    id: 'GH-SPEC-005', title: 'Rule could not complete', severity: 'low', owasp: 'API9:2023',
    description: 'A rule met a document shape it could not handle; the rest of the audit still ran.',
    fix: 'Report the message to the Gatehouse maintainers; check the document at the pointer.',
  },
];
