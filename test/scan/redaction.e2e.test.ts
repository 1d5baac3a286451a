/**
 * docs/scan.md promises credentials are never written into reports. A scan with a bearer token,
 * a login (password and the tokens it was issued) renders every format, and none of them holds
 * any of those secrets in any encoding: the curl commands read them from $GH_AUTH_<NAME>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMATS, formatReport, parseLogin, runScan, type ScanReport } from '../../src/scan/index.js';
import { identitySecrets, redactReport } from '../../src/scan/report/redact.js';
import { SPEC_FILE, startVulnerableApi, type VulnerableApi } from '../targets/vulnerable-api.js';

describe('reports never carry a credential', () => {
  let target: VulnerableApi;
  let token: string;
  let report: ScanReport;
  const issued: string[] = [];
  beforeAll(async () => {
    target = await startVulnerableApi({ flaws: 'all' });
    token = await target.token('alice');
    // Every token the login hands out, read off the wire.
    target.server.on('request', (req: { url?: string }, res: { write: unknown; end: (...a: unknown[]) => unknown }) => {
      if (req.url !== '/api/v2/login') return;
      const end = res.end.bind(res);
      res.end = (chunk?: unknown, ...rest: unknown[]) => {
        const m = typeof chunk === 'string' ? /"token":"([^"]+)"/.exec(chunk) : null;
        if (m !== null) issued.push(m[1] as string);
        return end(chunk, ...rest);
      };
    });
    report = await runScan({
      spec: SPEC_FILE, target: target.url, seed: 2, maxRequests: 1_200, tuning: { delaySeconds: 1 },
      identities: [{ name: 'user1', header: 'Authorization', value: `Bearer ${token}` }],
      logins: [parseLogin('user2=POST /login {"username":"bob","password":"bob-pw"} -> /token')],
      checks: ['auth', 'bola', 'misconfig', 'injection', 'exposure', 'inventory'],
    });
  }, 180_000);
  afterAll(async () => { await target.close(); });

  it('writes none of the tokens, keys or passwords in any format', () => {
    expect(issued.length).toBeGreaterThan(0);
    const secrets = [`Bearer ${token}`, token, token.split('.')[2] as string, 'bob-pw', ...issued, ...issued.map((t) => t.split('.')[2] as string)];
    for (const format of FORMATS) {
      const text = formatReport(report, format);
      for (const secret of secrets) expect([format, text.includes(secret)]).toEqual([format, false]);
    }
  });

  it('still says whose credential a request carried, as the variable the curl command reads', () => {
    const bola = report.findings.find((f) => f.ruleId === 'bola.read-other-users-object');
    expect(bola?.request.identity).toBe('user2');
    expect(bola?.request.headers.authorization).toBe('$GH_AUTH_USER2');
    expect(bola?.curl).toContain('"authorization: $GH_AUTH_USER2"');
    expect(report.findings.some((f) => f.request.headers.authorization === '$GH_AUTH_USER1')).toBe(true);
  });
});

describe('redaction', () => {
  it('replaces API keys, passwords in form and JSON bodies, shell-quoted copies, and URL credentials', () => {
    const key = 'k3y-0123456789abcdef';
    const password = "pa ss'w&rd";
    const request = { method: 'POST', path: '/x', headers: { 'x-api-key': key }, body: `user=a&password=${encodeURIComponent(password)}&json=${JSON.stringify({ p: password })}`, identity: 'svc' };
    const finding = {
      ruleId: 'r', kind: 'finding' as const, check: 'misconfig' as const, severity: 'low' as const, owasp: undefined, title: 't', operation: 'op',
      evidence: `saw ${key} and ${JSON.stringify(password)}`, request, status: 200, occurrences: 1,
      curl: `curl -H 'x-api-key: ${key}' --data-raw '${password.replaceAll("'", `'\\''`)}'`,
    };
    const report: ScanReport = {
      tool: { name: 'gatehouse-scan', version: '0' }, spec: 's', target: 'http://scan:t0ps3cret@127.0.0.1:1/', seed: 1, checks: [], startedAt: '', durationMs: 0,
      requests: 1, truncated: false, findings: [finding], coverage: [], notes: [`a note with ${key}`],
    };
    const redacted = redactReport(report, [...identitySecrets({ name: 'svc', value: key }), { value: password, label: '[redacted]' }]);
    for (const format of FORMATS) {
      const text = formatReport(redacted, format);
      for (const secret of [key, password, encodeURIComponent(password), 'pa ss', 't0ps3cret']) expect([format, secret, text.includes(secret)]).toEqual([format, secret, false]);
    }
    expect(redacted.findings[0]?.request.headers['x-api-key']).toBe('$GH_AUTH_SVC');
    expect(redacted.target).toBe('http://127.0.0.1:1/');
  });
});
