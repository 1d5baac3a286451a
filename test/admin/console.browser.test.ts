import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleDir } from '../../src/admin/console.js';
import { AdminTokenStore } from '../../src/admin/tokens.js';
import { runAudit } from '../../src/cli/audit.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * The console in Debian's Chromium, driven by playwright-core (no browser download), against a
 * real gateway with recorded traffic: every page loads and passes axe-core (no serious or
 * critical violation) in both themes; a click path blocks an address and the data plane refuses
 * it next; an alert raised by traffic appears without a reload; a viewer sees no write controls
 * and the API refuses its writes. Screenshots go to GH_SCREENSHOTS (default .tmp/screenshots).
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = process.env.GH_SCREENSHOTS ?? path.join(ROOT, '.tmp', 'screenshots');
const spec = fileURLToPath(new URL('../inventory/fixtures/shop.yaml', import.meta.url));
const PAGES = ['overview', 'inventory', 'alerts', 'decisions', 'revocations', 'certificates', 'findings', 'config'];

let upstream: TestUpstream;
let gw: StartedGateway;
let configFile: string;
let browser: Browser;
const tokens = { viewer: '', operator: '' };

beforeAll(async () => {
  // Fail, never skip: CI installs Chromium (.ci/run) and builds the console (npm ci runs prepare).
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  if (!existsSync(path.join(consoleDir(), 'index.html'))) throw new Error('the console is not built: npm run build (npm ci runs it)');
  // User 1 exists, others answer 404: a walk over ids is then an enumeration the detector is sure of.
  upstream = await startUpstream((req, res) => req.method === 'POST' ? json(res, 201, { id: 7 })
    : /\/users\/(?!1\b)\d+/.test(req.url) ? json(res, 404, { error: 'no such user' }) : json(res, 200, { id: 1, name: 'Ann', email: 'ann@example.com' }));
  const dir = await scratchDir('gh-console-');
  configFile = path.join(dir, 'gatehouse.yaml');
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    `store: { sqlite: { path: "${dir}/gh.db" } }`,
    'clientIp: { trustedHops: 1 }',
    'inventory: { flushInterval: 100ms }',
    'monitoring:',
    '  detectors:',
    '    enumeration: { distinctIds: 5, window: 1m }',
    'apis:',
    '  - name: shop',
    `    spec: ${spec}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    '    unmatched: passthrough',
  ].join('\n'));
  const store = new AdminTokenStore(gw.gateway.services.store.kv);
  tokens.viewer = (await store.create({ role: 'viewer', name: 'browser-viewer', by: 'test' })).token;
  tokens.operator = (await store.create({ role: 'operator', name: 'browser-operator', by: 'test' })).token;
  // Recorded traffic: declared calls, a refused one, a shadow path.
  for (const ip of ['10.0.0.1', '10.0.0.2']) await fetch(`${gw.url}/api/users/1`, { headers: { 'x-forwarded-for': ip } });
  await fetch(`${gw.url}/api/users/0`, { headers: { 'x-forwarded-for': '10.0.0.3' } });
  await fetch(`${gw.url}/api/internal/debug`, { headers: { 'x-forwarded-for': '10.0.0.4' } });
  // An alert already stored, so the alerts page has one to show (and check) from the start.
  for (let id = 1; id <= 6; id++) await fetch(`${gw.url}/api/users/${id}`, { headers: { 'x-forwarded-for': '198.51.100.9' } });
  const deadline = Date.now() + 10_000;
  while ((await gw.gateway.services.store.records.count('alerts')) === 0) {
    if (Date.now() > deadline) throw new Error('the enumeration alert was not stored');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Two audits kept by the command line in the gateway's store: findings over time.
  for (const file of ['test/audit/fixtures/rules/GH-AUTH-002/bad.yaml', 'test/audit/fixtures/clean.yaml']) {
    const code = await runAudit([path.join(ROOT, file)], { store: true, config: configFile, failOn: 'none' }, { cwd: ROOT, color: false, write: () => undefined, error: () => undefined });
    if (code !== 0) throw new Error(`gatehouse audit --store ${file} exited ${code}`);
  }
  await mkdir(SHOTS, { recursive: true });
  // playwright-core gives every launch a fresh --user-data-dir of its own (and refuses one in args).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await upstream?.close();
});

/** A fresh context (own sessionStorage) signed in with a token; CSP violations are collected. */
async function signIn(token: string, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
  const context = await browser.newContext({ colorScheme, viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  await page.goto(`${gw.adminUrl}/admin/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  return { context, page, violations };
}

const axeSource = readFile(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is. */
async function accessibility(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, not as an inline script: the page's CSP stays on.
  await page.evaluate(await axeSource);
  const result = await page.evaluate('axe.run(document, { resultTypes: ["violations"] })') as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('console in Chromium', () => {
  it('serves the console with a strict CSP and no third-party origin', async () => {
    const res = await fetch(`${gw.adminUrl}/admin/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('loads every page with recorded traffic, in light and dark themes, with no serious accessibility violation', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page, violations } = await signIn(tokens.viewer, scheme);
      for (const name of PAGES) {
        await page.goto(`${gw.adminUrl}/admin/#/${name}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.waitForFunction('document.querySelector(\'[role="status"]\')?.textContent?.startsWith("Loading") !== true');
        await expect.poll(() => page.locator('.error').count(), { message: `${name} shows an error` }).toBe(0);
        expect(await accessibility(page), `${name} (${scheme})`).toEqual([]);
        await page.screenshot({ path: path.join(SHOTS, `console-${name}-${scheme}.png`), fullPage: true });
      }
      await page.goto(`${gw.adminUrl}/admin/#/inventory`);
      await expect.poll(() => page.getByRole('cell', { name: '/internal/debug' }).count()).toBeGreaterThan(0);
      await page.getByLabel('Filter').fill('shadow');
      await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
      expect(violations).toEqual([]);
      await context.close();
    }
  });

  it('an operator blocks an address by clicking, and the next request from it is refused', async () => {
    const { context, page, violations } = await signIn(tokens.operator);
    expect(await page.getByTestId('role').textContent()).toBe('operator');
    expect((await fetch(`${gw.url}/api/users/1`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status).toBe(200);
    await page.getByRole('link', { name: 'Revocations & keys' }).click();
    await page.getByLabel('Value').fill('203.0.113.5');
    await page.getByLabel('Reason').fill('clicked in the console');
    await page.getByRole('button', { name: 'Block' }).click();
    await page.getByRole('cell', { name: '203.0.113.5', exact: true }).waitFor();
    const refused = await fetch(`${gw.url}/api/users/1`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    expect(refused.status).toBe(403);
    expect((await refused.json() as { code: string }).code).toBe('GH_BLOCKED');
    await page.getByRole('button', { name: 'Unblock ip 203.0.113.5' }).click();
    await expect.poll(() => page.getByRole('cell', { name: '203.0.113.5', exact: true }).count()).toBe(0);
    expect((await fetch(`${gw.url}/api/users/1`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status).toBe(200);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('shows an alert raised by traffic without a reload, and an operator acknowledges it', async () => {
    const { context, page } = await signIn(tokens.operator);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    await page.locator('.live.on').waitFor();
    const before = await page.locator('[data-alert]').count();
    // Enumeration: one address walks six user ids.
    for (let id = 1; id <= 6; id++) await fetch(`${gw.url}/api/users/${id}`, { headers: { 'x-forwarded-for': '198.51.100.23' } });
    await expect.poll(() => page.locator('[data-alert]').count(), { timeout: 10_000 }).toBe(before + 1);
    const alert = page.locator('[data-alert]').first();
    expect(await alert.textContent()).toContain('enumeration');
    await alert.getByText('Runbook: enumeration').click();
    await expect.poll(() => alert.locator('.runbook pre').textContent()).toMatch(/^# /);
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => alert.locator('.state').textContent()).toBe('acknowledged');
    await context.close();
  });

  it('a viewer sees no write controls, and a write from its session is refused', async () => {
    const { context, page } = await signIn(tokens.viewer);
    await page.getByRole('link', { name: 'Revocations & keys' }).click();
    await page.getByRole('heading', { name: 'Revocations and keys' }).waitFor();
    expect(await page.getByRole('button', { name: 'Block' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    // What the page would send, sent from the page with the viewer's token.
    const status = await page.evaluate(`fetch('/admin/api/v1/revocations', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + sessionStorage.getItem('gatehouse-admin-token'), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'ip', value: '192.0.2.99' }),
    }).then((r) => r.status)`);
    expect(status).toBe(403);
    expect((await fetch(`${gw.url}/api/users/1`, { headers: { 'x-forwarded-for': '192.0.2.99' } })).status).toBe(200);
    await context.close();
  });

  it('shows a reload and the difference it made without a page reload', async () => {
    const { context, page } = await signIn(tokens.viewer);
    await page.getByRole('link', { name: 'Config' }).click();
    await page.getByText('Only one configuration has been loaded.').waitFor();
    await page.locator('.live.on').waitFor();
    await writeFile(configFile, (await readFile(configFile, 'utf8')).replace('clientIp: { trustedHops: 1 }', 'clientIp: { trustedHops: 1 }  # behind one proxy'));
    expect((await gw.gateway.reload()).ok).toBe(true);
    await page.locator('.diff .diff-add').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('.diff .diff-add').textContent()).toContain('# behind one proxy');
    expect(await page.locator('.diff .diff-del').textContent()).toContain('clientIp: { trustedHops: 1 }');
    // One line per line: the removed and the added one do not run together.
    expect(await page.locator('.diff').textContent()).toMatch(/^- clientIp: \{ trustedHops: 1 \}\n\+ clientIp/m);
    await page.screenshot({ path: path.join(SHOTS, 'console-config-diff-light.png'), fullPage: true });
    await context.close();
  });

  it('charts stored audit findings over time and shows the findings of the report picked', async () => {
    const { context, page, violations } = await signIn(tokens.viewer);
    await page.getByRole('link', { name: 'Findings' }).click();
    await page.getByRole('heading', { name: 'Findings', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Stored reports, newest first' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    // uPlot drew the series: a canvas with a legend entry per severity.
    expect(await page.locator('.chart canvas').count()).toBe(1);
    expect(await page.locator('.chart .u-legend').textContent()).toMatch(/critical.*high.*medium.*low.*info/s);
    // The newest report (the clean spec) is shown first; the older one is picked by clicking.
    const older = table.locator('tbody tr').filter({ hasText: 'GH-AUTH-002/bad.yaml' });
    expect(await older.locator('td').nth(4).textContent()).not.toBe('0');
    await older.getByRole('button').click();
    const findings = page.getByTestId('report-findings');
    await expect.poll(() => findings.getByRole('cell', { name: 'GH-AUTH-002', exact: true }).count()).toBeGreaterThan(0);
    expect(await findings.textContent()).toContain('test/audit/fixtures/rules/GH-AUTH-002/bad.yaml#');
    await page.screenshot({ path: path.join(SHOTS, 'console-findings-report-light.png'), fullPage: true });
    expect(violations).toEqual([]);
    await context.close();
  });

  it('refuses a bad token at sign-in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gw.adminUrl}/admin/`);
    await page.getByLabel('Admin token').fill(`${tokens.viewer}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('not valid');
    await context.close();
  });
});
