import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appCopy } from '../../test/supply/fixture.js';
import { nameFromPath, readLockGraph } from './lockfile.js';

describe('the lock file reader', () => {
  const graph = readLockGraph(appCopy());
  const at = (path: string) => graph.packages.find((p) => p.path === path);

  it('names packages by their install path, scoped and nested', () => {
    expect(nameFromPath('node_modules/@scope/a/node_modules/b')).toBe('b');
    expect(nameFromPath('node_modules/@scope/a')).toBe('@scope/a');
    expect(nameFromPath('packages/ws')).toBeUndefined();
  });

  it('resolves each dependency the way Node does: nearest node_modules first', () => {
    expect(at('node_modules/@scope/a')?.dependsOn).toEqual(['node_modules/@scope/a/node_modules/b']);
    expect(at('node_modules/c')?.dependsOn).toEqual(['node_modules/b']);
    expect(at('node_modules/devtool')?.dependsOn).toEqual(['node_modules/dev-only-lib', 'node_modules/devtool/node_modules/b']);
  });

  it('follows workspace links to their folder and keeps the real name of an alias', () => {
    expect(graph.root.dependsOn).toContain('packages/ws');
    expect(at('packages/ws')).toMatchObject({ name: '@app/ws', local: true, dependsOn: ['node_modules/aliased', 'node_modules/b'] });
    expect(at('node_modules/aliased')?.name).toBe('real-name');
    expect(graph.packages.some((p) => p.path === 'node_modules/@app/ws')).toBe(false);
  });

  it('keeps dev and optional flags and integrity, and reads a licence missing from the lock from node_modules', () => {
    expect(at('node_modules/devtool')).toMatchObject({ dev: true, optional: false, license: '(MIT OR Apache-2.0)' });
    expect(at('node_modules/fsx')).toMatchObject({ dev: false, optional: true });
    expect(at('node_modules/c')?.license).toBe('BSD-2-Clause');
    expect(at('node_modules/b')?.integrity).toMatch(/^sha512-/);
  });

  it('refuses a lockfileVersion 1 file and bad JSON with the file named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-lock-'));
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 1, dependencies: {} }));
    expect(() => readLockGraph(dir)).toThrow(/package-lock.json: lockfileVersion 1 is not supported/);
    writeFileSync(join(dir, 'package-lock.json'), '{ "lockfileVersion": 3, ');
    expect(() => readLockGraph(dir)).toThrow(/package-lock.json: not valid JSON/);
    expect(() => readLockGraph(join(dir, 'nowhere'))).toThrow(/no package-lock.json/);
  });
});
