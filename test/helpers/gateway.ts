import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/index.js';
import { Gateway, type GatewayOptions } from '../../src/gateway/gateway.js';

/** A scratch folder for a test's config and spec files. */
export async function scratchDir(prefix = 'gh-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(path.join(dir, name), text)));
}

export interface StartedGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly adminUrl: string;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * Starts a real gateway on ephemeral ports from YAML text (written beside its spec in `dir`).
 * Logs are captured as parsed JSON lines so tests can assert what was (and was not) logged.
 */
export async function startGateway(dir: string, yaml: string, options: Omit<GatewayOptions, 'logger'> = {}): Promise<StartedGateway> {
  const file = path.join(dir, 'gatehouse.yaml');
  await writeFile(file, yaml);
  const config = await parseConfig(yaml, file);
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } });
  const gateway = await Gateway.start(config, { logger, drainMs: 500, ...options });
  const admin = gateway.addresses.admin;
  return {
    gateway,
    url: gateway.addresses.http === undefined ? '' : gateway.httpUrl,
    adminUrl: admin === undefined ? '' : `http://127.0.0.1:${admin.port}`,
    logs,
    close: () => gateway.close(),
  };
}

/** Minimal gatehouse.yaml for one API on ephemeral ports. */
export function configYaml(options: { spec: string; upstream: string; policies?: string; extra?: string; unmatched?: string }): string {
  return [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    options.extra ?? '',
    'apis:',
    '  - name: test',
    `    spec: ${options.spec}`,
    `    upstream: { url: "${options.upstream}", timeout: 2s, connectTimeout: 500ms }`,
    options.unmatched === undefined ? '' : `    unmatched: ${options.unmatched}`,
    options.policies === undefined ? '' : `    policies:\n${options.policies}`,
  ].join('\n');
}
