import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { loadSigningKey, mintToken, publicJwks } from '../../src/identity/signing-key.js';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * The config watch against the ways files are really replaced: in place, by rename (sed -i,
 * editors), by a Kubernetes ConfigMap swapping its `..data` symlink, and by removing and
 * recreating the whole folder. Each happens several times in a row: the bug this guards against
 * reloaded the first rename-style save and ignored every later change.
 */

const petsSpec = readFileSync(fileURLToPath(new URL('./fixtures/pets-3.1.yaml', import.meta.url)), 'utf8');
let upstream: TestUpstream;
const open: { close(): Promise<void> }[] = [];
/** Polls at most this long: a change is normally seen within the settle time, at worst one poll. */
const WAIT = { timeout: 20_000, interval: 50 };

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { id: 3, name: 'Rex' }));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});
afterAll(async () => {
  await upstream.close();
});

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** The config for the pets spec beside it in the same folder, contract enforced or monitored. */
function yaml(mode: 'enforce' | 'monitor', spec = 'spec.yaml'): string {
  return `${configYaml({ spec, upstream: upstream.url, policies: `      contract: { mode: ${mode} }` })}\n`;
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

function gauge(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** The sha256 label of gatehouse_config_info: the config file the gateway is serving. */
async function servingSha(gw: { adminUrl: string }): Promise<string | undefined> {
  return /gatehouse_config_info\{sha256="([0-9a-f]+)"/.exec(await metrics(gw.adminUrl))?.[1];
}

/** What an invalid `limit` gets: 400 while the contract is enforced, 200 in monitor mode. */
async function invalidLimit(gw: { url: string }): Promise<number> {
  return (await fetch(`${gw.url}/v1/pets?limit=abc`)).status;
}

/** Writes a temporary file beside the target and renames it over the target, as sed -i and most editors do. */
function saveByRename(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.hrtime.bigint()}.tmp`);
  writeFileSync(temp, text);
  renameSync(temp, file);
}

async function watched(dir: string, mode: 'enforce' | 'monitor', watch: 'reload' | 'report' = 'reload'): Promise<StartedGateway> {
  writeFileSync(path.join(dir, 'spec.yaml'), petsSpec);
  const gw = await startGateway(dir, yaml(mode), { watch, watchPollMs: 500 });
  open.push(gw);
  return gw;
}

describe('the config watch', () => {
  it('follows rename-style saves, several in a row', async () => {
    const dir = await scratchDir('gh-watch-');
    const gw = await watched(dir, 'enforce');
    const file = path.join(dir, 'gatehouse.yaml');
    expect(await invalidLimit(gw)).toBe(400);
    for (const mode of ['monitor', 'enforce', 'monitor', 'enforce'] as const) {
      const text = yaml(mode);
      saveByRename(file, text);
      await expect.poll(() => servingSha(gw), WAIT).toBe(sha256(text));
      expect(await invalidLimit(gw)).toBe(mode === 'enforce' ? 400 : 200);
    }
    expect(gauge(await metrics(gw.adminUrl), 'gatehouse_config_reloads_total{result="success"}')).toBeGreaterThanOrEqual(4);
    expect(gauge(await metrics(gw.adminUrl), 'gatehouse_config_watch_up')).toBe(1);
  });

  it('follows in-place writes, several in a row', async () => {
    const dir = await scratchDir('gh-watch-');
    const gw = await watched(dir, 'enforce');
    for (const mode of ['monitor', 'enforce', 'monitor'] as const) {
      const text = yaml(mode);
      writeFileSync(path.join(dir, 'gatehouse.yaml'), text);
      await expect.poll(() => servingSha(gw), WAIT).toBe(sha256(text));
      expect(await invalidLimit(gw)).toBe(mode === 'enforce' ? 400 : 200);
    }
  });

  it('follows a Kubernetes ConfigMap update (the ..data symlink swap), several in a row', async () => {
    // The kubelet's layout: files are symlinks through ..data to a timestamped folder, and an
    // update writes a new folder, points ..data_tmp at it and renames ..data_tmp over ..data.
    const mount = await scratchDir('gh-configmap-');
    const version = (n: number, mode: 'enforce' | 'monitor'): string => {
      const folder = path.join(mount, `..2026_11_29_00_00_0${n}.12345`);
      mkdirSync(folder);
      writeFileSync(path.join(folder, 'gatehouse.yaml'), yaml(mode));
      writeFileSync(path.join(folder, 'spec.yaml'), petsSpec);
      return folder;
    };
    let current = version(0, 'enforce');
    symlinkSync(path.basename(current), path.join(mount, '..data'));
    symlinkSync('..data/gatehouse.yaml', path.join(mount, 'gatehouse.yaml'));
    symlinkSync('..data/spec.yaml', path.join(mount, 'spec.yaml'));
    const logs: Record<string, unknown>[] = [];
    const gateway = await Gateway.start(await loadConfig(path.join(mount, 'gatehouse.yaml')), {
      logger: pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } }),
      watch: 'reload',
      watchPollMs: 500,
      drainMs: 500,
    });
    open.push(gateway);
    const gw = { url: gateway.httpUrl, adminUrl: `http://127.0.0.1:${gateway.addresses.admin?.port ?? 0}` };
    expect(await invalidLimit(gw)).toBe(400);
    for (const [n, mode] of [[1, 'monitor'], [2, 'enforce'], [3, 'monitor']] as const) {
      const next = version(n, mode);
      symlinkSync(path.basename(next), path.join(mount, '..data_tmp'));
      renameSync(path.join(mount, '..data_tmp'), path.join(mount, '..data'));
      rmSync(current, { recursive: true });
      current = next;
      await expect.poll(() => servingSha(gw), WAIT).toBe(sha256(yaml(mode)));
      expect(await invalidLimit(gw)).toBe(mode === 'enforce' ? 400 : 200);
    }
  });

  it('reloads when a spec changes, and when one a new config names changes', async () => {
    const dir = await scratchDir('gh-watch-');
    const gw = await watched(dir, 'enforce');
    expect((await fetch(`${gw.url}/v1/pets?limit=40`)).status).toBe(200);
    // pets-3.1.yaml caps limit at 50; a spec saved by rename with a cap of 30 refuses 40.
    expect(petsSpec).toContain('maximum: 50');
    saveByRename(path.join(dir, 'spec.yaml'), petsSpec.replace('maximum: 50', 'maximum: 30'));
    await expect.poll(() => fetch(`${gw.url}/v1/pets?limit=40`).then((r) => r.status), WAIT).toBe(400);
    // The config now names another spec: that file is watched from then on.
    writeFileSync(path.join(dir, 'other.yaml'), petsSpec);
    saveByRename(path.join(dir, 'gatehouse.yaml'), yaml('enforce', 'other.yaml'));
    await expect.poll(() => fetch(`${gw.url}/v1/pets?limit=40`).then((r) => r.status), WAIT).toBe(200);
    saveByRename(path.join(dir, 'other.yaml'), petsSpec.replace('maximum: 50', 'maximum: 20'));
    await expect.poll(() => fetch(`${gw.url}/v1/pets?limit=30`).then((r) => r.status), WAIT).toBe(400);
  });

  it('survives its folder being removed and recreated: the watch comes back and says so', async () => {
    const parent = await scratchDir('gh-watch-');
    const dir = path.join(parent, 'conf');
    mkdirSync(dir);
    const gw = await watched(dir, 'enforce');
    rmSync(dir, { recursive: true });
    await expect.poll(() => gw.logs.some((l) => l.msg?.toString().startsWith('config watch lost')), WAIT).toBe(true);
    expect(gauge(await metrics(gw.adminUrl), 'gatehouse_config_watch_up')).toBe(0);
    // Still serving the last good configuration while its files are gone.
    expect(await invalidLimit(gw)).toBe(400);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'spec.yaml'), petsSpec);
    writeFileSync(path.join(dir, 'gatehouse.yaml'), yaml('monitor'));
    await expect.poll(() => servingSha(gw), WAIT).toBe(sha256(yaml('monitor')));
    expect(await invalidLimit(gw)).toBe(200);
    await expect.poll(async () => gauge(await metrics(gw.adminUrl), 'gatehouse_config_watch_up'), WAIT).toBe(1);
    expect(gw.logs.some((l) => l.msg === 'config watch re-established')).toBe(true);
    // And it goes on following changes, by rename.
    saveByRename(path.join(dir, 'gatehouse.yaml'), yaml('enforce'));
    await expect.poll(() => invalidLimit(gw), WAIT).toBe(400);
  });
});

describe('what is serving, and what is on disk', () => {
  it('publishes the serving config hash, the last reload result, and says when a refused reload left the disk different', async () => {
    const dir = await scratchDir('gh-watch-');
    const gw = await watched(dir, 'enforce');
    const file = path.join(dir, 'gatehouse.yaml');
    const good = readFileSync(file, 'utf8');
    let text = await metrics(gw.adminUrl);
    expect(await servingSha(gw)).toBe(sha256(good));
    expect(gauge(text, 'gatehouse_config_last_reload_successful')).toBe(1);
    expect(gauge(text, 'gatehouse_config_out_of_sync')).toBe(0);
    expect(gauge(text, 'gatehouse_config_loaded_timestamp_seconds')).toBeGreaterThan(1_700_000_000);

    saveByRename(file, good.replace('mode: enforce', 'mode: sometimes'));
    await expect.poll(async () => gauge(await metrics(gw.adminUrl), 'gatehouse_config_out_of_sync'), WAIT).toBe(1);
    text = await metrics(gw.adminUrl);
    expect(gauge(text, 'gatehouse_config_last_reload_successful')).toBe(0);
    expect(gauge(text, 'gatehouse_config_reloads_total{result="failure"}')).toBeGreaterThanOrEqual(1);
    expect(await servingSha(gw)).toBe(sha256(good));
    expect(await invalidLimit(gw)).toBe(400);
    const drift = gw.logs.find((l) => l.msg?.toString().startsWith('the configuration on disk differs from the one serving'));
    expect(drift).toMatchObject({ level: 40, changed: [file], serving: sha256(good) });
    expect(JSON.stringify(drift)).toContain('apis[0].policies.contract.mode');

    saveByRename(file, good);
    await expect.poll(async () => gauge(await metrics(gw.adminUrl), 'gatehouse_config_out_of_sync'), WAIT).toBe(0);
    expect(gauge(await metrics(gw.adminUrl), 'gatehouse_config_last_reload_successful')).toBe(1);
  });

  it('with --no-watch, reports a change without applying it until SIGHUP', async () => {
    const dir = await scratchDir('gh-watch-');
    const gw = await watched(dir, 'enforce', 'report');
    const text = yaml('monitor');
    saveByRename(path.join(dir, 'gatehouse.yaml'), text);
    await expect.poll(async () => gauge(await metrics(gw.adminUrl), 'gatehouse_config_out_of_sync'), WAIT).toBe(1);
    expect(await invalidLimit(gw)).toBe(400);
    expect(gw.logs.find((l) => l.msg?.toString().startsWith('the configuration on disk differs'))?.msg).toContain('SIGHUP');
    expect(await gw.gateway.reload()).toEqual({ ok: true });
    expect(await servingSha(gw)).toBe(sha256(text));
    expect(gauge(await metrics(gw.adminUrl), 'gatehouse_config_out_of_sync')).toBe(0);
    expect(await invalidLimit(gw)).toBe(200);
  });
});

describe('watched inputs beyond the config file', () => {
  it('takes a key removed from a file: key set out of service', async () => {
    const dir = await scratchDir('gh-watch-jwks-');
    const oldKey = await loadSigningKey(path.join(dir, 'old.jwk'), { create: true });
    const newKey = await loadSigningKey(path.join(dir, 'new.jwk'), { create: true });
    writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(oldKey, newKey)));
    writeFileSync(path.join(dir, 'spec.yaml'), readFileSync(fileURLToPath(new URL('../identity/fixtures/orders.yaml', import.meta.url)), 'utf8'));
    const issuer = 'urn:test:watched-issuer';
    const gw = await startGateway(dir, [
      'version: "1"',
      'listen: { http: { host: 127.0.0.1, port: 0 } }',
      'admin: { host: 127.0.0.1, port: 0 }',
      'store: { memory: {} }',
      'identity:',
      `  issuers: [{ issuer: "${issuer}", audience: orders-api, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }]`,
      'apis:',
      '  - name: orders',
      '    spec: spec.yaml',
      `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    ].join('\n'), { watch: 'reload', watchPollMs: 500 });
    open.push(gw);
    const mint = (key: typeof oldKey): Promise<string> => mintToken(key, { issuer, audience: 'orders-api', subject: 'carol', ttlSeconds: 120, scopes: ['orders:read'] });
    const call = async (token: string): Promise<number> => (await fetch(`${gw.url}/v1/orders`, { headers: { authorization: `Bearer ${token}` } })).status;
    const oldToken = await mint(oldKey);
    const newToken = await mint(newKey);
    expect(await call(oldToken)).toBe(200);
    expect(await call(newToken)).toBe(200);
    // The old key is retired: removed from the key set, by a rename-style save.
    saveByRename(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(newKey)));
    await expect.poll(() => call(oldToken), WAIT).toBe(401);
    expect(await call(newToken)).toBe(200);
  });

  it('serves a renewed TLS certificate written over the old files', async () => {
    const { makeCa, makeLeaf } = await import('../helpers/certs.js');
    const { connect } = await import('node:tls');
    const dir = await scratchDir('gh-watch-tls-');
    const ca = makeCa(dir, 'ca');
    const first = makeLeaf(dir, 'gw-1', ca);
    const second = makeLeaf(dir, 'gw-2', ca);
    copyFileSync(first.cert, path.join(dir, 'gw.crt'));
    copyFileSync(first.key, path.join(dir, 'gw.key'));
    writeFileSync(path.join(dir, 'spec.yaml'), petsSpec);
    const gw = await startGateway(dir, [
      'version: "1"',
      'listen: { https: { host: 127.0.0.1, port: 0, cert: gw.crt, key: gw.key } }',
      'admin: { host: 127.0.0.1, port: 0 }',
      'store: { memory: {} }',
      'apis:',
      '  - name: tls',
      '    spec: spec.yaml',
      `    upstream: { url: "${upstream.url}" }`,
    ].join('\n'), { watch: 'reload', watchPollMs: 500 });
    open.push(gw);
    const port = gw.gateway.addresses.https?.port ?? 0;
    const subject = (): Promise<string | undefined> => new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(ca.cert), servername: 'localhost' }, () => {
        const cn = socket.getPeerCertificate().subject?.CN;
        socket.end();
        resolve(Array.isArray(cn) ? cn[0] : cn);
      });
      socket.on('error', reject);
    });
    expect(await subject()).toBe('gw-1');
    // Key first, then certificate, each by rename: the reload that sees a mismatched pair is
    // refused and the next one, after the second file, succeeds.
    saveByRename(path.join(dir, 'gw.key'), readFileSync(second.key, 'utf8'));
    saveByRename(path.join(dir, 'gw.crt'), readFileSync(second.cert, 'utf8'));
    await expect.poll(() => subject(), WAIT).toBe('gw-2');
  });
});
