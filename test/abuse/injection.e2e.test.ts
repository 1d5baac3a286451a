import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { abuseGateway, abuseSpec, okUpstream } from './helpers.js';
import { configYaml, scratchDir, startGateway } from '../helpers/gateway.js';

let upstream: TestUpstream;
let declared: StartedGateway;
let everything: StartedGateway;
let monitor: StartedGateway;
let looseContract: StartedGateway;
let levelTwo: StartedGateway;
let passThrough: StartedGateway;

beforeAll(async () => {
  upstream = await okUpstream();
  declared = await abuseGateway(upstream, '      injection: { mode: enforce }');
  everything = await abuseGateway(upstream, '      injection: { mode: enforce, scan: all }');
  monitor = await abuseGateway(upstream, '      injection: { mode: monitor }');
  looseContract = await abuseGateway(upstream, '      contract: { mode: monitor }\n      injection: { mode: enforce }');
  levelTwo = await abuseGateway(upstream, '      injection: { mode: enforce, level: 2 }');
  passThrough = await startGateway(await scratchDir('gh-abuse-'), configYaml({
    spec: abuseSpec, upstream: upstream.url, unmatched: 'passthrough', policies: '      injection: { mode: enforce, scan: all }',
  }));
});
afterAll(async () => {
  await Promise.all([declared, everything, monitor, looseContract, levelTwo, passThrough].map((g) => g.close()));
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

async function refusedWith(res: Response): Promise<string> {
  expect(res.status).toBe(400);
  const problem = await res.json() as { code: string; detail: string };
  expect(problem.code).toBe('GH_INJECTION_DETECTED');
  return problem.detail;
}

describe('scan: all reads every place a value can arrive', () => {
  const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
  it.each<[string, Record<string, string>, Record<string, string>, string]>([
    ['the User-Agent', { 'user-agent': '${jndi:ldap://x.example/a}' }, { 'user-agent': browser }, 'jndi in header.user-agent'],
    ['the Referer', { referer: 'https://shop.example/list?id=1 union select password from users' }, { referer: 'https://shop.example/list?id=12&sort=-price' }, 'sqli in header.referer'],
    ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.9, ;cat /etc/passwd' }, { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }, 'cmdi in header.x-forwarded-for'],
    ['a cookie', { cookie: 'theme=%3Csvg%2Fonload%3Dalert(1)%3E' }, { cookie: 'theme=dark%20blue' }, 'xss in cookie.theme'],
  ])('refuses an attack in %s and passes its twin', async (_where, attack, twin, detail) => {
    expect(await refusedWith(await fetch(`${everything.url}/v1/items`, { headers: attack }))).toBe(detail);
    expect(upstream.requests).toHaveLength(0);
    expect((await fetch(`${everything.url}/v1/items`, { headers: twin })).status).toBe(200);
  });

  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  it.each<[string, RequestInit, RequestInit, string]>([
    ['an XML text value', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<order><item>&lt;img src=x onerror=alert(1)&gt;</item></order>' },
      { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<order><item>2 &lt; 3 apples</item></order>' }, 'xss in body.order.item'],
    ['an XML attribute value', { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<order><item name="1&apos; OR &apos;1&apos;=&apos;1"/></order>' },
      { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<order><item name="O&apos;Brien"/></order>' }, 'sqli in body.order.item@name'],
    ['a multipart file name', {
      method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=Ab12' },
      body: '--Ab12\r\nContent-Disposition: form-data; name="file"; filename="../../../var/www/shell.php"\r\n\r\nx\r\n--Ab12--\r\n',
    }, {
      method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=Ab12' },
      body: '--Ab12\r\nContent-Disposition: form-data; name="file"; filename="holiday (2).png"\r\n\r\nx\r\n--Ab12--\r\n',
    }, 'path-traversal in body.file.filename'],
    ['a text body', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'comment={{7*7}}&ok=1' },
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'comment=see you at 7&ok=1' }, 'ssti in body'],
  ])('refuses an attack in %s of pass-through traffic and passes its twin', async (_where, attack, twin, detail) => {
    expect(await refusedWith(await fetch(`${passThrough.url}/v1/upload`, attack))).toBe(detail);
    expect(upstream.requests).toHaveLength(0);
    const passed = await fetch(`${passThrough.url}/v1/upload`, twin);
    expect(passed.status).toBeLessThan(300);
    expect(upstream.requests).toHaveLength(1);
  });

  it('never forwards a body without a content type unread: the gateway refuses it before the guard has to guess', async () => {
    const res = await fetch(`${passThrough.url}/v1/upload`, { method: 'POST', body: bytes('comment=%7B%7B7*7%7D%7D&ok=1') });
    expect(res.status).toBe(415);
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a request path that names a restricted file, and passes /.well-known', async () => {
    expect(await refusedWith(await fetch(`${passThrough.url}/v1/.git/config`))).toBe('path-traversal in path');
    expect((await fetch(`${passThrough.url}/v1/.well-known/security.txt`)).status).toBe(200);
  });
});

describe('paranoia levels', () => {
  it('runs the level-2 rules only where the config asks for level 2', async () => {
    const attack = `/v1/items?q=${encodeURIComponent('select current_user;')}`;
    expect((await fetch(`${declared.url}${attack}`)).status).toBe(200);
    expect(await refusedWith(await fetch(`${levelTwo.url}${attack}`))).toBe('sqli in query.q');
    expect((await fetch(`${levelTwo.url}/v1/items?q=${encodeURIComponent('select your plan')}`)).status).toBe(200);
    const line = levelTwo.logs.findLast((l) => l.msg === 'injection detected');
    expect(line).toMatchObject({ rule: 'sqli.statement', level: 2, category: 'sqli' });
    expect(JSON.stringify(line?.tokens)).not.toContain('current_user');
  });
});

describe('monitor mode', () => {
  it('lets the attack through and records what it would have refused', async () => {
    const res = await fetch(`${monitor.url}/v1/items?q=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(res.status).toBe(200);
    expect(monitor.logs.some((l) => l.msg === 'monitor mode: would have refused' && l.code === 'GH_INJECTION_DETECTED')).toBe(true);
  });
});
