import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { abuseGateway, okUpstream } from './helpers.js';

let upstream: TestUpstream;
let declared: StartedGateway;
let everything: StartedGateway;
let monitor: StartedGateway;
let looseContract: StartedGateway;

beforeAll(async () => {
  upstream = await okUpstream();
  declared = await abuseGateway(upstream, '      injection: { mode: enforce }');
  everything = await abuseGateway(upstream, '      injection: { mode: enforce, scan: all }');
  monitor = await abuseGateway(upstream, '      injection: { mode: monitor }');
  looseContract = await abuseGateway(upstream, '      contract: { mode: monitor }\n      injection: { mode: enforce }');
});
afterAll(async () => {
  await Promise.all([declared, everything, monitor, looseContract].map((g) => g.close()));
  await upstream.close();
});
beforeEach(() => { upstream.requests.length = 0; });

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** [where, attack request, benign twin] as path + init. */
const cases: [string, [string, RequestInit], [string, RequestInit], string][] = [
  ['a path parameter', [`/v1/items/${encodeURIComponent("1' OR '1'='1")}`, {}], [`/v1/items/${encodeURIComponent("O'Brien")}`, {}], 'path.name'],
  ['a query parameter', [`/v1/items?q=${encodeURIComponent('<script>alert(1)</script>')}`, {}], [`/v1/items?q=${encodeURIComponent('Tom & Jerry <3 cats')}`, {}], 'query.q'],
  ['a header parameter', ['/v1/items', { headers: { 'x-note': '; cat /etc/passwd' } }], ['/v1/items', { headers: { 'x-note': 'cats; dogs' } }], 'header.x-note'],
  ['a cookie parameter', ['/v1/items', { headers: { cookie: 'session=../../../etc/passwd' } }], ['/v1/items', { headers: { cookie: 'session=abc.def-123' } }], 'cookie.session'],
  ['a nested JSON field', ['/v1/items', json({ title: 'ok', meta: { comment: "x' UNION SELECT password FROM users--" } })], ['/v1/items', json({ title: 'ok', meta: { comment: 'I select the best union of ideas' } })], 'body.meta.comment'],
  ['a JSON array element', ['/v1/items', json({ meta: { tags: ['fine', '{"$where": "sleep(1000)"}'] } })], ['/v1/items', json({ meta: { tags: ['fine', 'where are we'] } })], 'body.meta.tags[1]'],
  ['a URL field (SSRF)', ['/v1/items', json({ callback: 'http://169.254.169.254/latest/meta-data/' })], ['/v1/items', json({ callback: 'https://hooks.example.com/ok' })], 'body.callback'],
];

describe('the injection guard blocks attacks and passes their benign twins', () => {
  it.each(cases)('in %s', async (_where, [attackPath, attackInit], [twinPath, twinInit], location) => {
    const refused = await fetch(`${declared.url}${attackPath}`, attackInit);
    expect(refused.status).toBe(400);
    const problem = await refused.json() as { code: string; detail: string };
    expect(problem.code).toBe('GH_INJECTION_DETECTED');
    expect(problem.detail).toContain(`in ${location}`);
    expect(upstream.requests).toHaveLength(0);
    const passed = await fetch(`${declared.url}${twinPath}`, twinInit);
    expect(passed.status).toBeLessThan(300);
    expect(upstream.requests).toHaveLength(1);
  });

  it('names the category and logs the fragment redacted, never the raw value', async () => {
    await fetch(`${declared.url}/v1/items?q=${encodeURIComponent('<script>alert(1)</script>')}`);
    const line = declared.logs.findLast((l) => l.msg === 'injection detected');
    expect(line).toMatchObject({ category: 'xss', location: 'query.q', policy: 'injection' });
    expect(String(line?.fragment)).not.toContain('alert');
    expect(String(line?.fragment)).toMatch(/^<s/);
  });
});

describe('schema awareness', () => {
  it('leaves values the enforced contract pins down to the contract', async () => {
    const res = await fetch(`${declared.url}/v1/items?limit=${encodeURIComponent('1 OR 1=1')}`);
    expect((await res.json() as { code: string }).code).toBe('GH_CONTRACT_PARAMETER_INVALID');
  });

  it('scans pinned values too when the contract only monitors', async () => {
    const res = await fetch(`${looseContract.url}/v1/items?limit=${encodeURIComponent('1 OR 1=1')}`);
    expect((await res.json() as { code: string }).code).toBe('GH_INJECTION_DETECTED');
    expect((await fetch(`${looseContract.url}/v1/items?limit=5`)).status).toBe(200);
  });

  it('scans undeclared headers only with scan: all', async () => {
    const init = { headers: { 'x-other': "' OR 1=1--" } };
    expect((await fetch(`${declared.url}/v1/items`, init)).status).toBe(200);
    const res = await fetch(`${everything.url}/v1/items`, init);
    expect(res.status).toBe(400);
    expect((await res.json() as { detail: string }).detail).toBe('sqli in header.x-other');
    // Protocol headers are not judged as free text.
    expect((await fetch(`${everything.url}/v1/items`, { headers: { accept: '*/*;q=0.8', 'user-agent': 'curl/8.0 (x86_64; linux)' } })).status).toBe(200);
  });
});

describe('monitor mode', () => {
  it('lets the attack through and records what it would have refused', async () => {
    const res = await fetch(`${monitor.url}/v1/items?q=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(res.status).toBe(200);
    expect(monitor.logs.some((l) => l.msg === 'monitor mode: would have refused' && l.code === 'GH_INJECTION_DETECTED')).toBe(true);
  });
});
