/**
 * Improper inventory (API9): paths the spec does not declare but services commonly leave behind —
 * an older version beside the documented one, debug and admin consoles, actuators, API docs.
 * Any of them answering 2xx is a finding, unless the service answers every path that way (a
 * catch-all, detected with random paths first). A 401/403 is a warning: it exists, guarded.
 */
import { goodValues, type ScanContext } from '../context.js';
import { asIdentity, buildRequest } from '../request.js';
import { OWASP, type ScanRequest, type ScanResponse, type Severity } from '../types.js';

const COMMON: { path: string; severity: Severity }[] = [
  { path: '/debug', severity: 'high' }, { path: '/admin', severity: 'medium' }, { path: '/actuator', severity: 'medium' },
  { path: '/actuator/env', severity: 'high' }, { path: '/.env', severity: 'high' }, { path: '/internal', severity: 'medium' }, { path: '/internal/debug', severity: 'high' }, { path: '/debug/vars', severity: 'high' },
  { path: '/console', severity: 'medium' }, { path: '/server-status', severity: 'medium' }, { path: '/graphql', severity: 'low' },
  { path: '/swagger.json', severity: 'low' }, { path: '/openapi.json', severity: 'low' }, { path: '/api-docs', severity: 'low' },
  { path: '/v2/api-docs', severity: 'low' }, { path: '/test', severity: 'low' },
];

/** Other versions of a versioned base path: `/api/v2` -> `/api/v1`, `/api/v3`. */
export function siblingVersions(basePath: string): string[] {
  const m = /^(.*\/v)(\d+)(\/.*)?$/.exec(basePath);
  if (m === null) return [];
  const n = Number(m[2]);
  return [n - 1, n + 1].filter((v) => v >= 0 && v !== n).map((v) => `${m[1]}${v}${m[3] ?? ''}`);
}

export async function inventoryCheck(ctx: ScanContext): Promise<void> {
  const declared = new Set(ctx.operations.map((o) => `${ctx.basePath}${o.path}`));
  const send = async (path: string): Promise<{ request: ScanRequest; response: ScanResponse }> => {
    const request = asIdentity({ method: 'GET', path, headers: { accept: 'application/json, */*;q=0.5' } }, ctx.primary);
    return { request, response: await ctx.client.send(request) };
  };
  ctx.phase('inventory');
  // What the service answers for paths that cannot exist, under the base path and at the root:
  // a single-page app's index, a catch-all route. A probe answered the same way proves nothing.
  const catchAll: { status: number; body: string }[] = [];
  for (const path of new Set([`${ctx.basePath}/gh-scan-no-such-path-${ctx.seed}`, `/gh-scan-no-such-path-${ctx.seed}`])) {
    const sent = await send(path);
    if (sent.response.status >= 200 && sent.response.status < 300) catchAll.push({ status: sent.response.status, body: sent.response.body.replaceAll(path, '') });
  }
  const caughtAll = (path: string, response: ScanResponse): boolean =>
    catchAll.some((c) => c.status === response.status && c.body === response.body.replaceAll(path, ''));
  const probes: { path: string; severity: Severity; why: string }[] = [];
  // An older version: the first parameterless read of the spec, under the sibling base path.
  const read = ctx.operations.find((o) => o.method === 'GET' && !o.path.includes('{'));
  for (const sibling of siblingVersions(ctx.basePath)) {
    if (read !== undefined) {
      const path = buildRequest(read, goodValues(ctx, read, ctx.primary?.name), sibling).path.split('?')[0] as string;
      probes.push({ path, severity: 'medium', why: `an undeclared API version (${sibling} beside ${ctx.basePath})` });
    }
  }
  for (const { path, severity } of COMMON) {
    for (const prefix of new Set([ctx.basePath, ''])) probes.push({ path: `${prefix}${path}`, severity, why: 'a common undeclared path' });
  }
  for (const probe of probes) {
    if (declared.has(probe.path)) continue;
    const sent = await send(probe.path);
    const status = sent.response.status;
    if (caughtAll(probe.path, sent.response)) continue;
    if (status >= 200 && status < 300) {
      ctx.findings.add({
        ruleId: 'inventory.undeclared-path', check: 'inventory', severity: probe.severity, owasp: OWASP.API9,
        title: 'Undeclared endpoint answers', operation: `GET ${probe.path}`, request: sent.request, response: sent.response,
        evidence: `GET ${probe.path}, ${probe.why}, answered ${status}; the spec does not declare it`,
      });
    } else if ((status === 401 || status === 403) && probe.severity !== 'low') {
      ctx.findings.add({
        ruleId: 'inventory.undeclared-path-guarded', kind: 'warning', check: 'inventory', severity: 'low', owasp: OWASP.API9,
        title: 'Undeclared endpoint exists behind authentication', operation: `GET ${probe.path}`, request: sent.request, response: sent.response,
        evidence: `GET ${probe.path} answered ${status}: something undeclared is served there`,
      });
    }
  }
}
