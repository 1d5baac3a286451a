/** `gatehouse scan` as a command: options, dry run, formats and the exit-code gate. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerScan, runScanCommand, type ScanCliOptions } from '../../src/cli/scan.js';
import { progressBar } from '../../src/scan/index.js';
import { SPEC_FILE, startVulnerableApi, type VulnerableApi } from '../targets/vulnerable-api.js';

function io(): { out: string[]; err: string[]; io: Parameters<typeof runScanCommand>[1] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { color: false, stderr: { isTTY: false, write: () => true }, write: (s) => out.push(s), error: (s) => err.push(s) } };
}

describe('gatehouse scan command', () => {
  let target: VulnerableApi;
  const seen: string[] = [];
  beforeAll(async () => {
    target = await startVulnerableApi({ flaws: 'all' });
    target.server.on('request', (req: { url?: string }) => seen.push(req.url ?? ''));
  });
  afterAll(async () => { await target.close(); });
  const base = (): ScanCliOptions => ({ spec: SPEC_FILE, target: target.url, checks: 'inventory,misconfig', maxRequests: '300' });

  it('prints the plan on --dry-run and sends nothing', async () => {
    const before = seen.length;
    const t = io();
    expect(await runScanCommand({ ...base(), dryRun: true, operations: 'getMe,listProducts', auth: ['user1=Authorization:Bearer x'] }, t.io)).toBe(0);
    const plan = t.out.join('');
    expect(plan).toContain('GET     /api/v2/products  (listProducts)');
    expect(plan).toContain('skipped deleteNote: not in --operations');
    expect(plan).toContain('identities: user1');
    expect(seen.length).toBe(before);
  });

  it('lists skipped operations with their reasons, and what the checks lack, in the dry run', async () => {
    const t = io();
    expect(await runScanCommand({ spec: SPEC_FILE, target: target.url, dryRun: true, exclude: 'getMe', param: ['productId=1', 'getOrder:orderId=2'], login: ['user1=POST /login {"username":"alice","password":"alice-pw"}'] }, t.io)).toBe(0);
    const plan = t.out.join('');
    expect(plan).toContain('skipped getMe: excluded by --exclude');
    expect(plan).toMatch(/note: bola: needs two non-admin identities .* only "user1" given/);
    expect(plan).toContain('identities: user1');
    expect(plan).not.toContain('alice-pw');
  });

  it('parses repeated --auth and the other flags through commander', async () => {
    const program = new Command('gatehouse').exitOverride();
    registerScan(program);
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { writes.push(chunk); return true; }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['scan', '--spec', SPEC_FILE, '--target', target.url, '--auth', 'a=Authorization:Bearer x', '--auth', 'b=X-Key:y', '--skip-destructive', '--dry-run',
        '--param', 'productId=1', '--param', 'getOrder:orderId=2', '--exclude', 'getMe,listOrders', '--include-destructive', '--outage-wait', '5',
        '--login', 'c=POST /login {"username":"bob","password":"bob-pw"}'], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    expect(process.exitCode).toBe(0);
    process.exitCode = undefined;
    expect(writes.join('')).toContain('identities: a, b, c');
    expect(writes.join('')).toContain('skipped listOrders: excluded by --exclude');
    expect(writes.join('')).toContain('skipped deleteNote: destructive (DELETE) skipped');
  });

  it('exits 2 with a message for bad options', async () => {
    const cases: [ScanCliOptions, RegExp][] = [
      [{ ...base(), format: 'xml' }, /--format must be one of/],
      [{ ...base(), failOn: 'severe' }, /--fail-on must be one of/],
      [{ ...base(), checks: 'fuzz,telepathy' }, /unknown check\(s\) telepathy/],
      [{ ...base(), auth: ['user1'] }, /expected name=Header:Value/],
      [{ ...base(), rate: 'fast' }, /--rate must look like/],
      [{ ...base(), target: 'ftp://x' }, /must use http or https/],
      [{ ...base(), operations: 'nope' }, /unknown operation\(s\): nope/],
      [{ ...base(), spec: '/nonexistent/spec.yaml' }, /spec|ENOENT|not found/i],
      [{ ...base(), exclude: 'nope' }, /--exclude names unknown operation\(s\): nope/],
      [{ ...base(), param: ['productID=1'] }, /--param productID: no operation has parameter or body property named "productID"/],
      [{ ...base(), login: ['user1=POST'] }, /--login: expected a method and a path/],
      [{ ...base(), outageWait: 'soon' }, /--outage-wait must be a whole number/],
    ];
    for (const [opts, message] of cases) {
      const t = io();
      expect(await runScanCommand(opts, t.io)).toBe(2);
      expect(t.err.join('')).toMatch(message);
    }
  });

  it('says on stderr why a scan stopped early, whatever the format', async () => {
    const t = io();
    expect(await runScanCommand({ ...base(), maxRequests: '12', format: 'json', failOn: 'none' }, t.io)).toBe(0);
    expect(t.err.join('')).toMatch(/gatehouse scan: stopped during .*request budget spent/);
    expect((JSON.parse(t.out.join('')) as { truncated: boolean }).truncated).toBe(true);
  });

  it('exits 1 when a finding reaches --fail-on and 0 below it', async () => {
    expect(await runScanCommand({ ...base(), failOn: 'high' }, io().io)).toBe(1);
    expect(await runScanCommand({ ...base(), checks: 'misconfig', failOn: 'critical' }, io().io)).toBe(0);
    expect(await runScanCommand({ ...base(), failOn: 'none' }, io().io)).toBe(0);
  });

  it('writes SARIF, JSON, JUnit and HTML reports', async () => {
    const render = async (format: string): Promise<string> => {
      const t = io();
      await runScanCommand({ ...base(), format, failOn: 'none' }, t.io);
      return t.out.join('');
    };
    const sarif = JSON.parse(await render('sarif')) as { version: string; runs: { results: { ruleId: string; level: string }[]; tool: { driver: { rules: { id: string }[] } } }[] };
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run?.results.map((r) => r.ruleId)).toContain('inventory.undeclared-path');
    for (const r of run?.results ?? []) expect(run?.tool.driver.rules.map((x) => x.id)).toContain(r.ruleId);
    const json = JSON.parse(await render('json')) as { findings: unknown[]; coverage: unknown[] };
    expect(json.findings.length).toBeGreaterThan(0);
    expect(json.coverage).toHaveLength(17);
    const junit = await render('junit');
    expect(junit).toMatch(/^<\?xml version="1.0"/);
    expect(junit).toMatch(/<testsuites name="gatehouse scan" tests="\d+" failures="[1-9]\d*"/);
    const html = await render('html');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain('<script');
    expect(html).toContain('misconfig.trace-enabled');
  });
});

describe('progress bar', () => {
  it('draws on a terminal and stays silent otherwise', () => {
    const writes: string[] = [];
    let t = 0;
    const bar = progressBar({ isTTY: true, columns: 100, write: (s) => { writes.push(s); return true; } }, () => (t += 200));
    bar.update({ sent: 50, max: 100, phase: 'fuzz getMe' });
    bar.done();
    expect(writes[0]).toContain('[############............] 50/100 requests  fuzz getMe');
    const quiet: string[] = [];
    progressBar({ isTTY: false, write: (s) => { quiet.push(s); return true; } }).update({ sent: 1, max: 2, phase: 'x' });
    expect(quiet).toEqual([]);
  });
});
