import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { scratchDir, writeFiles } from '../helpers/gateway.js';

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('gatehouse start', () => {
  it('refuses to start with a spec it cannot enforce: prints each problem with file, line and pointer, and exits 1', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, {
      'spec.yaml': 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /users:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: "#/components/schemas/User"}\n      responses: {"200": {description: ok}}\n',
      'g.yaml': 'version: "1"\nlisten: { http: { host: 127.0.0.1, port: 0 } }\nadmin: { enabled: false }\nstore: { memory: {} }\napis:\n  - name: x\n    spec: spec.yaml\n    upstream: { url: "http://127.0.0.1:1" }\n',
    });
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
    // Had it started, the gateway would keep serving and this call would not return.
    expect(await runCli(['node', 'gatehouse', 'start', '--no-watch', '-c', path.join(dir, 'g.yaml')])).toBe(1);
    expect(err).toContain('g.yaml: 1 error(s)\n');
    expect(err).toContain('not starting: a protection could not be applied as configured');
    expect(err).toContain(`${path.join(dir, 'spec.yaml')}:9: #/paths/~1users/post/requestBody/content/application~1json/schema: $ref "#/components/schemas/User" points to nothing`);
  });
});
