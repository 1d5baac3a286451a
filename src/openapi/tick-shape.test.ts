import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/*
 * The hidden class of Node's tick objects after Ajv has filled V8's transition table. Checked in
 * a fresh Node process started with --allow-natives-syntax, so %HaveSameMap can compare hidden
 * classes directly; the test process itself has made ticks for a long time already. The module
 * under test is transpiled from its source for that process.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const CHILD = `
import { createHook } from 'node:async_hooks';
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(path.join(REPO, 'package.json'))});
const { Ajv2020 } = require('ajv/dist/2020.js');
if (process.argv[2] === 'protect') (await import('./tick-shape.mjs')).protectTickShape();
// A spec's worth of schemas: Ajv names thousands of generated variables while compiling them.
const properties = {};
for (let i = 0; i < 300; i++) properties['p' + i] = { type: 'object', properties: { a: { type: 'string', pattern: '^x' }, b: { type: 'integer', minimum: 1 } }, required: ['a'] };
new Ajv2020({ allErrors: true }).compile({ type: 'object', properties });
const probe = 'probe' + Math.random();
const a = {}; a[probe] = 1; const b = {}; b[probe] = 1;
const ticks = [];
const hook = createHook({ init(_id, type, _trigger, resource) { if (type === 'TickObject') ticks.push(resource); } }).enable();
for (let i = 0; i < 8; i++) process.nextTick(() => {});
hook.disable();
const shapes = ticks.filter((t, i) => ticks.findIndex((u) => %HaveSameMap(t, u)) === i).length;
console.log(JSON.stringify({ tableFull: !%HaveSameMap(a, b), ticks: ticks.length, shapes }));
`;

interface ChildReport { tableFull: boolean; ticks: number; shapes: number }

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-tick-shape-'));
  const source = await readFile(fileURLToPath(new URL('./tick-shape.ts', import.meta.url)), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  await writeFile(path.join(dir, 'tick-shape.mjs'), js);
  await writeFile(path.join(dir, 'child.mjs'), CHILD);
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function runChild(mode: 'protect' | 'plain'): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--allow-natives-syntax', path.join(dir, 'child.mjs'), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}: ${err}`));
      else resolve(JSON.parse(out) as ChildReport);
    });
  });
}

describe('tick objects after schema compilation', () => {
  it('each get a hidden class of their own when nothing protects them (the V8 behaviour this guards against)', async () => {
    const report = await runChild('plain');
    expect(report.tableFull).toBe(true);
    expect(report.ticks).toBe(8);
    expect(report.shapes).toBeGreaterThan(1);
  });

  it('share one hidden class once protectTickShape has run first', async () => {
    const report = await runChild('protect');
    expect(report.tableFull).toBe(true);
    expect(report.ticks).toBe(8);
    expect(report.shapes).toBe(1);
  });
});

describe('the schema compilers protect the tick shape before compiling', () => {
  it('createAjv does', async () => {
    vi.resetModules();
    const shape = await import('./tick-shape.js');
    expect(shape.tickShapeProtected()).toBe(false);
    const { createAjv } = await import('./ajv.js');
    createAjv();
    expect(shape.tickShapeProtected()).toBe(true);
  });

  it('the config validator does', async () => {
    vi.resetModules();
    const shape = await import('./tick-shape.js');
    expect(shape.tickShapeProtected()).toBe(false);
    const { validateShape } = await import('../config/validate.js');
    validateShape({ version: '1' });
    expect(shape.tickShapeProtected()).toBe(true);
  });
});
