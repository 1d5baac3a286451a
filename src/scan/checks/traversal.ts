/**
 * Path traversal (API8): inputs that name files (by their name, or any string input of an
 * operation whose path serves files) get paths that climb out of the service's directory — plain,
 * absolute, with `../` doubled against filters that strip it once, and percent-encoded. A finding
 * needs the content of a known file in the answer that the normal answer did not have: the shape
 * of /etc/passwd or win.ini, or the token of a canary file the scan wrote (local targets).
 */
import type { Operation } from '../../openapi/index.js';
import { asOwnUser } from '../accounts.js';
import { sendOp, type ScanContext } from '../context.js';
import { senderFor } from '../credential-writes.js';
import { OWASP } from '../types.js';
import { allowance } from './allowance.js';
import { climb, SYSTEM_FILES, writeFileCanary, type KnownFile } from './file-canary.js';
import { freshValues } from './fresh.js';
import { isStringy } from './inputs.js';
import { snippet } from './judge.js';
import { allSpots, words } from './spots.js';

const FILE_INPUT = /(^| )(file|files|filename|path|filepath|file path|doc|document|template|page|folder|dir|directory|download|attachment|include|load|view|image|img|resource|asset|report|log|logfile|theme|lang|locale|style|layout|src|source)( |$)/;
const FILE_PATH = /(file|download|attachment|document|image|img|static|asset|media|upload|export|template|report|logs?\b|resource|avatar|render|preview|read)/i;
const MAX_SPOTS = 10;
const MAX_REQUESTS = 100;

interface Payload { readonly value: string; readonly file: KnownFile; readonly how: string }

function payloads(canary: KnownFile | undefined): Payload[] {
  const [passwd, winIni] = SYSTEM_FILES as [KnownFile, KnownFile];
  const out: Payload[] = [
    { value: climb(passwd.path, false), file: passwd, how: 'relative path climbing to the root' },
    { value: passwd.path, file: passwd, how: 'absolute path' },
    { value: `${'....//'.repeat(10)}etc/passwd`, file: passwd, how: '"../" doubled against a filter that strips it once' },
    { value: `${'..%2f'.repeat(10)}etc%2fpasswd`, file: passwd, how: 'percent-encoded separators (decoded twice by the service)' },
    { value: climb(winIni.path, true), file: winIni, how: 'relative Windows path climbing to the root' },
  ];
  if (canary !== undefined) out.push({ value: climb(canary.path, canary.windows), file: canary, how: 'relative path to a canary file the scan wrote' });
  return out;
}

export async function traversalCheck(ctx: ScanContext): Promise<void> {
  const local = /^(127\.|localhost$|\[::1\]$)/.test(new URL(ctx.client.origin).hostname);
  const targets: { op: Operation; spot: ReturnType<typeof allSpots>[number] }[] = [];
  for (const op of ctx.operations) {
    const fileOp = FILE_PATH.test(op.path);
    for (const spot of allSpots(op, (n, s) => isStringy(s) && (FILE_INPUT.test(words(n)) || fileOp)).slice(0, 3)) targets.push({ op, spot });
  }
  if (targets.length === 0) return;
  const canary = local ? await writeFileCanary() : undefined;
  try {
    const more = allowance(ctx, MAX_REQUESTS);
    for (const { op, spot } of targets.slice(0, MAX_SPOTS)) {
      if (!more()) break;
      const sender = await senderFor(ctx, op);
      if ('skip' in sender) continue;
      const who = sender.identity;
      ctx.phase(`traversal ${op.id}`);
      const base = await asOwnUser(ctx, op, await freshValues(ctx, op, who), who);
      const normal = await sendOp(ctx, op, base, who);
      for (const p of payloads(canary)) {
        if (p.file.seen(normal.response.body) !== undefined) continue;
        const sent = await sendOp(ctx, op, spot.set(base, p.value), who);
        const shown = p.file.seen(sent.response.body);
        if (shown === undefined) continue;
        ctx.findings.add({
          ruleId: 'traversal.file-read', check: 'traversal', severity: 'high', owasp: OWASP.API8,
          title: 'Path traversal: files outside the service\'s directory are read', operation: op.id, request: sent.request, response: sent.response,
          key: `${spot.where}:${spot.name}`,
          evidence: `${spot.where} "${spot.name}" = ${JSON.stringify(p.value)} (${p.how}) answered ${sent.response.status} with the content of ${p.file.label}: "${snippet(shown, 60)}"`,
        });
        break;
      }
    }
  } finally {
    await canary?.close();
  }
}
