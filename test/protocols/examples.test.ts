import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { scratchDir } from '../helpers/gateway.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

/** Each protocol example, copied beside the demo it refers to, passes check-config as shipped. */
describe('the protocol examples', () => {
  it('examples/http2 passes check-config once make-certs.sh has made its certificates', async () => {
    const dir = await scratchDir('gh-example-http2-');
    cpSync(path.join(EXAMPLES, 'http2'), path.join(dir, 'http2'), { recursive: true });
    cpSync(path.join(EXAMPLES, 'demo'), path.join(dir, 'demo'), { recursive: true });
    execFileSync('sh', [path.join(dir, 'http2', 'make-certs.sh')], { stdio: 'ignore' });
    const result = await checkConfig(path.join(dir, 'http2', 'gatehouse.yaml'), { env: {} });
    expect(result.lines.join('\n')).toMatch(/: ok$/);
    expect(result.ok).toBe(true);
  });

  it('examples/http2 without its certificates is refused, naming the file', async () => {
    const dir = await scratchDir('gh-example-http2-');
    cpSync(path.join(EXAMPLES, 'http2'), path.join(dir, 'http2'), { recursive: true, filter: (src) => !src.includes(`${path.sep}certs`) });
    cpSync(path.join(EXAMPLES, 'demo'), path.join(dir, 'demo'), { recursive: true });
    const result = await checkConfig(path.join(dir, 'http2', 'gatehouse.yaml'), { env: {} });
    expect(result.ok).toBe(false);
  });

  it('examples/websocket passes check-config', async () => {
    const dir = await scratchDir('gh-example-ws-');
    cpSync(path.join(EXAMPLES, 'websocket'), dir, { recursive: true });
    const result = await checkConfig(path.join(dir, 'gatehouse.yaml'), { env: {} });
    expect(result.lines.join('\n')).toMatch(/: ok$/);
    expect(result.ok).toBe(true);
  });

  it('check-config refuses a WebSocket operation the spec does not have, with its path', async () => {
    const dir = await scratchDir('gh-example-ws-');
    cpSync(path.join(EXAMPLES, 'websocket'), dir, { recursive: true });
    const yaml = readFileSync(path.join(dir, 'gatehouse.yaml'), 'utf8').replace('operations: [joinRoom]', 'operations: [joinRom]');
    writeFileSync(path.join(dir, 'gatehouse.yaml'), yaml);
    const result = await checkConfig(path.join(dir, 'gatehouse.yaml'), { env: {} });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toMatch(/apis\[0\]\.websocket\.operations\[0\].*no operation "joinRom"/);
  });
});
