/**
 * Server-side request forgery (API7): URL-like inputs are pointed at a canary listener the scanner
 * starts on loopback, each with its own token. A request reaching the canary with that token
 * proves the service fetches URLs its clients choose. Only observable when the target can reach
 * this machine's loopback (a local target); the report notes it otherwise.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaObject } from '../../openapi/index.js';
import { goodValues, sendOp, type ScanContext } from '../context.js';
import { confine, senderFor } from '../credential-writes.js';
import { OWASP } from '../types.js';
import { inputSpots, isStringy } from './inputs.js';

const URLISH = /url|uri|link|callback|webhook|endpoint|image|avatar|redirect|feed|source|host|target|domain|href/i;

function urlInput(name: string, schema: SchemaObject): boolean {
  if (!isStringy(schema)) return false;
  return ['uri', 'url', 'uri-reference', 'iri', 'hostname'].includes(String(schema.format)) || URLISH.test(name);
}

interface Canary { readonly base: string; readonly hits: Set<string>; close(): Promise<void> }

async function startCanary(): Promise<Canary> {
  const hits = new Set<string>();
  const server = createServer((req, res) => {
    const m = /\/gh-canary\/([\w-]+)/.exec(req.url ?? '');
    if (m !== null) hits.add(m[1] as string);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('gatehouse scan canary');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/gh-canary/`, hits,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export async function ssrfCheck(ctx: ScanContext): Promise<void> {
  const targets = ctx.operations.flatMap((op) => inputSpots(op, urlInput).slice(0, 3).map((spot) => ({ op, spot })));
  if (targets.length === 0) return;
  if (!/^(127\.|localhost$|\[::1\]$)/.test(new URL(ctx.client.origin).hostname)) {
    ctx.note('ssrf: the canary listens on this machine\'s loopback; a remote target cannot reach it, so SSRF was not observable');
  }
  const canary = await startCanary();
  try {
    let n = 0;
    for (const { op, spot } of targets) {
      const sender = await senderFor(ctx, op);
      if ('skip' in sender) continue;
      ctx.phase(`ssrf ${op.id}`);
      const token = `t${ctx.seed}-${n++}`;
      const url = `${canary.base}${token}`;
      const value = spot.schema.format === 'hostname' ? `127.0.0.1:${new URL(canary.base).port}` : url;
      const sent = await sendOp(ctx, op, spot.set(await confine(ctx, op, goodValues(ctx, op, sender.identity?.name), sender), value), sender.identity);
      // Fetches may happen after the answer (webhooks, queues): wait a little for the canary.
      for (let i = 0; i < 15 && !canary.hits.has(token); i++) await sleep(100);
      if (!canary.hits.has(token)) continue;
      ctx.findings.add({
        ruleId: 'ssrf.canary-fetched', check: 'ssrf', severity: 'high', owasp: OWASP.API7,
        title: 'Server-side request forgery', operation: op.id, request: sent.request, response: sent.response, key: spot.name,
        evidence: `${spot.where} "${spot.name}" set to ${url} made the service request that loopback URL (the canary received token ${token})`,
      });
    }
  } finally {
    await canary.close();
  }
}
