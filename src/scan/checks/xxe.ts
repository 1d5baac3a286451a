/**
 * XML entities (API8): operations that take XML bodies, and uploads (multipart file parts), get
 * documents with a DOCTYPE. First an internal entity split in two (`&a;&b;`): the joined text in
 * the answer proves the parser expands entities — never in the request, so an echo cannot fake
 * it — and that it is open to entity-expansion bombs (which the check never sends). Then
 * external entities: a canary file the scan wrote (local targets) and /etc/passwd; their content
 * in the answer proves XML external entity injection (file disclosure, and usually SSRF).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { schemaArbitrary } from '../arbitrary.js';
import { sendOp, type ScanContext, type Sent } from '../context.js';
import { confine, senderFor } from '../credential-writes.js';
import type { RequestValues } from '../request.js';
import { OWASP, type Identity } from '../types.js';
import { bodyProperties, encodeXml, isBinary, isMultipart, isXml, mediaSchema, sendWithFile, xmlRootName, type FilePart } from './encode.js';
import { SYSTEM_FILES, writeFileCanary, type KnownFile } from './file-canary.js';
import { freshValues } from './fresh.js';
import { snippet } from './judge.js';

const MAX_OPERATIONS = 10;

interface XmlTarget {
  readonly op: Operation;
  readonly media: string;
  /** A multipart field to carry the document as a file; undefined for an XML body. */
  readonly fileField: string | undefined;
}

function targets(ctx: ScanContext): XmlTarget[] {
  const out: XmlTarget[] = [];
  for (const op of ctx.operations) {
    const media = Object.keys(op.requestBody?.content ?? {});
    const xml = media.find(isXml);
    if (xml !== undefined) { out.push({ op, media: xml, fileField: undefined }); continue; }
    const multipart = media.find(isMultipart);
    if (multipart === undefined) continue;
    const file = Object.entries(bodyProperties(op, multipart)).find(([, s]) => isBinary(s))?.[0];
    if (file !== undefined) out.push({ op, media: multipart, fileField: file });
  }
  return out.slice(0, MAX_OPERATIONS);
}

/** A document for the target with `ref` in every string element, under `doctype`. */
function documentFor(ctx: ScanContext, t: XmlTarget, doctypeFor: (root: string) => string, ref: string): string {
  const schema = t.fileField === undefined ? mediaSchema(t.op, t.media) : undefined;
  const root = t.fileField === undefined ? xmlRootName(t.op, schema, ctx.schemaName) : 'document';
  const sample = schema === undefined ? undefined : fc.sample(schemaArbitrary(schema), { seed: ctx.seed, numRuns: 1 })[0];
  const props = (schema?.properties ?? {}) as Record<string, SchemaObject>;
  let value: Record<string, unknown> = sample !== null && typeof sample === 'object' && !Array.isArray(sample) ? { ...sample as Record<string, unknown> } : {};
  let refs = 0;
  for (const [k, ps] of Object.entries(props)) {
    if (ps.type === 'string' || ps.type === undefined) { value[k] = ref; refs++; }
  }
  if (refs === 0) value = { title: ref, name: ref, description: ref };
  return encodeXml(root, value, schema, { doctype: doctypeFor(root), raw: new Set([ref]) });
}

async function sendDocument(ctx: ScanContext, t: XmlTarget, who: Identity | undefined, base: RequestValues, doc: string): Promise<Sent> {
  if (t.fileField === undefined) {
    return sendOp(ctx, t.op, { ...base, mediaType: t.media, body: {} }, who, { rawBody: doc });
  }
  const body = base.body !== null && typeof base.body === 'object' ? base.body as Record<string, unknown> : {};
  const file: FilePart = { filename: 'gh-scan.xml', contentType: 'application/xml', content: doc };
  const values: RequestValues = { ...base, body: { ...body, [t.fileField]: file }, mediaType: t.media };
  return sendWithFile(ctx, t.op, values, who);
}

function report(ctx: ScanContext, t: XmlTarget, sent: Sent, rule: string, severity: 'medium' | 'high', title: string, evidence: string): void {
  ctx.findings.add({ ruleId: `xxe.${rule}`, check: 'xxe', severity, owasp: OWASP.API8, title, operation: t.op.id, request: sent.request, response: sent.response, evidence });
}

export async function xxeCheck(ctx: ScanContext): Promise<void> {
  const list = targets(ctx);
  if (list.length === 0) return;
  const local = /^(127\.|localhost$|\[::1\]$)/.test(new URL(ctx.client.origin).hostname);
  const canary = local ? await writeFileCanary() : undefined;
  try {
    for (const t of list) {
      const sender = await senderFor(ctx, t.op);
      if ('skip' in sender) continue;
      const who = sender.identity;
      ctx.phase(`xxe ${t.op.id}`);
      const base = await confine(ctx, t.op, await freshValues(ctx, t.op, who), sender);
      const token = randomBytes(6).toString('hex');
      const [h1, h2] = [`ghxe${token.slice(0, 6)}`, `${token.slice(6)}x`];
      const joined = `${h1}${h2}`;
      const via = t.fileField === undefined ? `an XML body (${t.media})` : `an XML file in multipart field "${t.fileField}"`;
      const internal = await sendDocument(ctx, t, who, base, documentFor(ctx, t, (root) => `<!DOCTYPE ${root} [<!ENTITY gha "${h1}"><!ENTITY ghb "${h2}">]>\n`, '&gha;&ghb;'));
      if (!internal.response.body.includes(joined)) continue;
      report(ctx, t, internal, 'entity-expansion', 'medium', 'XML entities are expanded (DTD processing enabled)', `${via} declared two internal entities; the answer contains their expansion "${joined}", which the request never spelled out. A parser that expands entities accepts entity-expansion bombs`);
      const files: KnownFile[] = [...(canary === undefined ? [] : [canary]), ...SYSTEM_FILES.filter((f) => !f.windows)];
      for (const file of files) {
        const uri = `file://${file.path.startsWith('/') ? '' : '/'}${file.path}`;
        const sent = await sendDocument(ctx, t, who, base, documentFor(ctx, t, (root) => `<!DOCTYPE ${root} [<!ENTITY ghx SYSTEM "${uri}">]>\n`, '&ghx;'));
        const shown = file.seen(sent.response.body);
        if (shown === undefined) continue;
        report(ctx, t, sent, 'external-entity', 'high', 'XML external entity injection (file disclosure)', `${via} declared an external entity for ${uri} (${file.label}); the answer contains its content: "${snippet(shown, 60)}"`);
        break;
      }
    }
  } finally {
    await canary?.close();
  }
}
