import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { createAdminServer } from '../../src/admin/server.js';
import { loadConfig } from '../../src/config/index.js';
import type { GatehouseConfig } from '../../src/config/types.js';

/*
 * The Dockerfile, the compose file and the Kubernetes manifests cannot be run on the development
 * machines: this reads them as their tools would and holds them to the configuration they ship
 * (deploy/gatehouse.yaml, loaded by the gateway's own loader): the ports they publish are the
 * ports it listens on, the probes ask for admin routes that answer, nothing runs as root.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const deploy = (...p: string[]): string => path.join(root, 'deploy', ...p);
const read = (file: string): string => readFileSync(file, 'utf8');

/** A parsed manifest, walked by the shape its tool defines (a wrong guess fails the test, as it should). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- typing every Kubernetes and compose field would add nothing here
type Doc = Record<string, any>;

const env = {
  GATEHOUSE_REDIS_URL: 'redis://redis:6379',
  GATEHOUSE_POSTGRES_URL: 'postgres://gatehouse@postgres:5432/gatehouse',
  GATEHOUSE_SPEC: path.join(root, 'examples/demo/openapi.yaml'),
  GATEHOUSE_JWKS: 'https://idp.example.com/.well-known/jwks.json',
  GATEHOUSE_WORKERS: '2',
};

let config: GatehouseConfig;
let admin: ReturnType<typeof createAdminServer>;
let adminUrl: string;

beforeAll(async () => {
  config = await loadConfig(deploy('gatehouse.yaml'), { env });
  // The admin listener the configuration describes, on a free port: probes are sent to it.
  admin = createAdminServer({ registry: new Registry(), ready: () => Promise.resolve({ ok: true }) }, { admin: config.admin, limits: config.limits });
  await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => admin.close(resolve));
});

/** An admin route the probe names answers 200 (an unknown one answers 404). */
async function answers(probePath: string): Promise<number> {
  return (await fetch(`${adminUrl}${probePath}`)).status;
}

describe('deploy/gatehouse.yaml', () => {
  it('loads with the gateway\'s loader: cluster store, workers from the environment, listeners on every interface', () => {
    expect(config.workers).toBe(2);
    expect(config.store).toMatchObject({ cluster: { redis: { url: 'redis://redis:6379' }, postgres: { url: env.GATEHOUSE_POSTGRES_URL } } });
    expect(config.listen.http).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(config.admin).toMatchObject({ enabled: true, host: '0.0.0.0', port: 9090 });
    expect(config.shutdown.drainDelayMs).toBeGreaterThan(0);
  });

  it('runs one worker per core when GATEHOUSE_WORKERS is not set', async () => {
    const { GATEHOUSE_WORKERS: _unset, ...rest } = env;
    const auto = await loadConfig(deploy('gatehouse.yaml'), { env: rest });
    expect(auto.workers).toBeGreaterThanOrEqual(1);
  });
});

/** The instructions of the Dockerfile, continuation lines joined, per stage. */
function dockerStages(text: string): { from: string; lines: string[] }[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of joined) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = dockerStages(read(path.join(root, 'Dockerfile')));
  const final = stages.at(-1) as { from: string; lines: string[] };

  it('builds in one stage and runs from another that copies only what runs', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]?.lines.some((l) => /npm ci/.test(l))).toBe(true);
    const copies = final.lines.filter((l) => l.startsWith('COPY'));
    expect(copies.filter((l) => l.includes('--from=build')).map((l) => l.split(/\s+/)[2])).toEqual(expect.arrayContaining(['/src/node_modules', '/src/dist']));
    // The sources and tests never reach the image.
    expect(copies.some((l) => /\b(src|test)\b\s/.test(l.replace('--from=build /src/', '')))).toBe(false);
  });

  it('has no build tools and no package installs in the final image', () => {
    expect(final.lines.some((l) => /apt-get install|apk add|npm (ci|install)/.test(l))).toBe(false);
    expect(final.lines.join('\n')).not.toMatch(/\b(g\+\+|gcc|make|python3)\b/);
    expect(stages[0]?.lines.join('\n')).toMatch(/g\+\+/);
  });

  it('runs as a user that is not root', () => {
    const users = final.lines.filter((l) => l.startsWith('USER')).map((l) => l.split(/\s+/)[1] ?? '');
    expect(users.length).toBeGreaterThan(0);
    const last = (users.at(-1) as string).split(':')[0];
    expect(['root', '0']).not.toContain(last);
    // No instruction after USER switches back.
    expect(final.lines.slice(final.lines.findIndex((l) => l.startsWith('USER'))).some((l) => /^RUN\s/.test(l))).toBe(false);
  });

  it('exposes the configured ports and checks health on the admin listener\'s /healthz', async () => {
    const exposed = final.lines.filter((l) => l.startsWith('EXPOSE')).flatMap((l) => l.split(/\s+/).slice(1)).map(Number);
    expect(exposed).toEqual(expect.arrayContaining([config.listen.http?.port, config.admin.port]));
    const check = final.lines.find((l) => l.startsWith('HEALTHCHECK')) ?? '';
    const target = /http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]+)/.exec(check);
    expect(Number(target?.[1])).toBe(config.admin.port);
    expect(await answers(target?.[2] ?? '/missing')).toBe(200);
    expect(final.lines.find((l) => l.startsWith('CMD'))).toContain('/etc/gatehouse/gatehouse.yaml');
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parse(read(deploy('compose.yaml')), { merge: true }) as Doc;
  const services = compose.services as Record<string, Doc>;
  const gateways = Object.entries(services).filter(([name]) => name.startsWith('gateway-'));

  it('runs two gateways beside Redis, PostgreSQL and the sample API', () => {
    expect(gateways).toHaveLength(2);
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['redis', 'postgres', 'sample-api']));
  });

  it('gives both gateways the shipped config, the shared store and the sample API as upstream', () => {
    const sampleArgs = services['sample-api']?.command as string[];
    const samplePort = sampleArgs[sampleArgs.indexOf('--port') + 1];
    for (const [, gw] of gateways) {
      const configArg = (gw.command as string[])[(gw.command as string[]).indexOf('--config') + 1];
      const mount = (gw.volumes as string[]).find((v) => v.split(':')[1] === configArg) ?? '';
      expect(existsSync(path.resolve(deploy(), mount.split(':')[0] ?? ''))).toBe(true);
      expect(gw.environment.GATEHOUSE_REDIS_URL).toMatch(/^redis:\/\/redis:/);
      expect(gw.environment.GATEHOUSE_POSTGRES_URL).toMatch(/@postgres:5432\//);
      expect(gw.environment.GATEHOUSE_UPSTREAM_URL).toBe(`http://sample-api:${samplePort}`);
      expect(gw.read_only).toBe(true);
      // Published ports land on the ports the configuration listens on.
      const targets = (gw.ports as string[]).map((p) => Number(p.split(':').at(-1)));
      expect(targets.sort()).toEqual([config.listen.http?.port, config.admin.port].sort());
      // Docker's SIGKILL comes after the whole drain.
      expect(Number.parseInt(gw.stop_grace_period as string, 10) * 1000).toBeGreaterThan(config.shutdown.drainDelayMs + config.shutdown.timeoutMs);
    }
  });
});

describe('Kubernetes manifests (deploy/kustomization.yaml)', () => {
  const kustomization = parse(read(deploy('kustomization.yaml'))) as Doc;
  const docs: Doc[] = (kustomization.resources as string[]).flatMap((file) => parseAllDocuments(read(deploy(file))).map((d) => d.toJS() as Doc));
  const byKind = (kind: string): Doc[] => docs.filter((d) => d.kind === kind);
  const deployment = byKind('Deployment')[0] as Doc;
  const pod = deployment.spec.template.spec as Doc;
  const container = pod.containers[0] as Doc;
  const port = (name: string): number => (container.ports as Doc[]).find((p) => p.name === name)?.containerPort as number;

  it('lists files that exist, and generates the config map from the shipped config', () => {
    for (const file of kustomization.resources as string[]) expect(existsSync(deploy(file))).toBe(true);
    const generated = (kustomization.configMapGenerator as Doc[]).find((g) => g.name === 'gatehouse-config') as Doc;
    expect(generated.files).toEqual(['gatehouse.yaml']);
    const volume = (pod.volumes as Doc[]).find((v) => v.configMap?.name === 'gatehouse-config') as Doc;
    const mount = (container.volumeMounts as Doc[]).find((m) => m.name === volume.name) as Doc;
    const args = container.args as string[];
    expect(args[args.indexOf('--config') + 1]).toBe(`${mount.mountPath as string}/gatehouse.yaml`);
  });

  it('declares the ports the configuration listens on', () => {
    expect(port('http')).toBe(config.listen.http?.port);
    expect(port('admin')).toBe(config.admin.port);
  });

  it('probes admin routes that answer: readiness on /readyz, liveness never on readiness', async () => {
    const probes = { readiness: container.readinessProbe as Doc, liveness: container.livenessProbe as Doc, startup: container.startupProbe as Doc };
    for (const probe of Object.values(probes)) {
      expect(probe.httpGet.port === 'admin' || probe.httpGet.port === config.admin.port).toBe(true);
      expect(await answers(probe.httpGet.path as string)).toBe(200);
    }
    expect(probes.readiness.httpGet.path).toBe('/readyz');
    // A store outage turns readiness to 503: liveness on it would restart every pod at once.
    expect(probes.liveness.httpGet.path).not.toBe('/readyz');
  });

  it('gives the gateway its whole drain before the kill, and a budget that keeps one serving', () => {
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdown.drainDelayMs + config.shutdown.timeoutMs);
    // Readiness must fail within the drain delay for the endpoint to leave the Service in time.
    const readiness = container.readinessProbe as Doc;
    expect(readiness.periodSeconds * readiness.failureThreshold * 1000).toBeLessThan(config.shutdown.drainDelayMs);
    const pdb = byKind('PodDisruptionBudget')[0] as Doc;
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('runs as a user that is not root, read-only, without privileges', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('routes the Services to ports the container has', () => {
    for (const service of byKind('Service')) {
      for (const p of service.spec.ports as Doc[]) expect(port(p.targetPort as string)).toBeGreaterThan(0);
      expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    }
  });
});
