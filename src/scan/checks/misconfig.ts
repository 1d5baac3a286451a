/**
 * Security misconfiguration (API8). Passive, on every response: stack traces and internal error
 * details, version banners, missing security headers. Active: CORS with a foreign Origin (reflected
 * origins, `*` with credentials) and the TRACE method.
 */
import { goodValues, sendOp, type ScanContext } from '../context.js';
import { buildRequest, withHeaders } from '../request.js';
import type { Exchange, ScanRequest } from '../types.js';
import { OWASP } from '../types.js';
import { snippet } from './judge.js';

/** Signatures of stack traces and internal errors in bodies (Node, Python, Java, .NET, PHP, Go, SQL engines). */
const VERBOSE = [
  /\bat [\w$.<>]+ \((?:file:\/\/)?\/?[^()\s]+:\d+:\d+\)/, /\bat (?:file:\/\/)?\/[^\s()]+\.(?:js|ts|mjs|cjs):\d+:\d+/, /Traceback \(most recent call last\)/,
  /\bat [\w$.]+\([\w]+\.java:\d+\)/, /Exception in thread "/, /\bat [\w.]+ in [^\n]+:line \d+/, /PHP (?:Fatal|Parse|Warning) error/i,
  /goroutine \d+ \[running\]/, /\/node_modules\//, /SQLITE_ERROR|SQLSTATE\[|You have an error in your SQL syntax|syntax error at or near|ORA-\d{5}|unterminated quoted string/i,
];

export function verboseErrorSignature(body: string): string | undefined {
  for (const re of VERBOSE) {
    const m = re.exec(body);
    if (m !== null) return m[0];
  }
  return undefined;
}

export function misconfigObserver(ctx: ScanContext): void {
  ctx.client.onExchange((e: Exchange) => {
    const res = e.response;
    if (res.status === 0) return;
    const signature = res.body === '' ? undefined : verboseErrorSignature(res.body);
    if (signature !== undefined) {
      ctx.findings.add({
        ruleId: 'misconfig.verbose-error', check: 'misconfig', severity: 'medium', owasp: OWASP.API8,
        title: 'Response leaks a stack trace or internal error', operation: e.operation, request: e.request, response: res,
        evidence: `the ${res.status} response contains "${snippet(signature, 80)}"`,
      });
    }
    const server = res.headers.server;
    const powered = res.headers['x-powered-by'];
    if (powered !== undefined || (server !== undefined && /\d/.test(server))) {
      ctx.findings.add({
        ruleId: 'misconfig.server-banner', check: 'misconfig', severity: 'low', owasp: OWASP.API8,
        title: 'Server software and version disclosed', operation: undefined, request: e.request, response: res,
        evidence: `response headers disclose ${[server === undefined ? '' : `server: ${server}`, powered === undefined ? '' : `x-powered-by: ${powered}`].filter(Boolean).join(', ')}`,
      });
    }
    if (res.status >= 200 && res.status < 300 && e.operation !== undefined) {
      if (!/nosniff/i.test(res.headers['x-content-type-options'] ?? '')) {
        ctx.findings.add({
          ruleId: 'misconfig.missing-nosniff', check: 'misconfig', severity: 'low', owasp: OWASP.API8,
          title: 'X-Content-Type-Options: nosniff missing', operation: undefined, request: e.request, response: res,
          evidence: 'successful responses are sent without X-Content-Type-Options: nosniff (browsers may sniff them as HTML)',
        });
      }
      if (ctx.client.origin.startsWith('https:') && res.headers['strict-transport-security'] === undefined) {
        ctx.findings.add({
          ruleId: 'misconfig.missing-hsts', check: 'misconfig', severity: 'medium', owasp: OWASP.API8,
          title: 'Strict-Transport-Security missing', operation: undefined, request: e.request, response: res,
          evidence: 'HTTPS responses carry no Strict-Transport-Security header (RFC 6797)',
        });
      }
    }
  });
}

const EVIL_ORIGIN = 'https://gh-scan-evil.example';

export async function misconfigCheck(ctx: ScanContext): Promise<void> {
  const probes = ctx.operations.filter((o) => o.method === 'GET').slice(0, 3);
  for (const op of probes) {
    ctx.phase(`misconfig cors ${op.id}`);
    for (const origin of [EVIL_ORIGIN, 'null']) {
      const sent = await sendOp(ctx, op, goodValues(ctx, op, ctx.primary?.name), ctx.primary, { headers: { origin } });
      const allow = sent.response.headers['access-control-allow-origin'];
      const credentials = /true/i.test(sent.response.headers['access-control-allow-credentials'] ?? '');
      if (allow === origin) {
        ctx.findings.add({
          ruleId: credentials ? 'misconfig.cors-reflected-origin-credentials' : 'misconfig.cors-reflected-origin', check: 'misconfig',
          severity: credentials ? 'high' : 'medium', owasp: OWASP.API8, title: 'CORS reflects an arbitrary origin', operation: op.id,
          request: sent.request, response: sent.response,
          evidence: `Origin: ${origin} was answered with Access-Control-Allow-Origin: ${allow}${credentials ? ' and Access-Control-Allow-Credentials: true (any site can read responses with the user\'s cookies)' : ''}`,
        });
      } else if (allow === '*' && credentials) {
        ctx.findings.add({
          ruleId: 'misconfig.cors-wildcard-credentials', check: 'misconfig', severity: 'medium', owasp: OWASP.API8,
          title: 'CORS allows any origin with credentials', operation: op.id, request: sent.request, response: sent.response,
          evidence: 'Access-Control-Allow-Origin: * is sent together with Access-Control-Allow-Credentials: true',
        });
      }
    }
  }
  const first = probes[0] ?? ctx.operations[0];
  if (first === undefined) return;
  ctx.phase('misconfig trace');
  const path = buildRequest(first, goodValues(ctx, first, ctx.primary?.name), ctx.basePath).path;
  const trace: ScanRequest = withHeaders({ method: 'TRACE', path, headers: {} }, { 'x-gh-scan-trace': 'echo-check' });
  const res = await ctx.client.send(trace, first.id);
  if (res.status >= 200 && res.status < 300 && /x-gh-scan-trace/i.test(res.body)) {
    ctx.findings.add({
      ruleId: 'misconfig.trace-enabled', check: 'misconfig', severity: 'medium', owasp: OWASP.API8,
      title: 'HTTP TRACE is enabled', operation: undefined, request: trace, response: res,
      evidence: `TRACE ${trace.path} answered ${res.status} and echoed the request headers (cross-site tracing)`,
    });
  }
}
