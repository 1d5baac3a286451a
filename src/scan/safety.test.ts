import { describe, expect, it } from 'vitest';
import type { Operation } from '../openapi/index.js';
import { destructiveName, prerequisites, skipReason, words } from './safety.js';

const op = (method: string, path: string, operationId?: string, extensions: Record<string, unknown> = {}): Operation =>
  ({ id: operationId ?? `${method} ${path}`, operationId, method, path, parameters: [], responses: {}, security: [], extensions, tags: [], pointer: '' }) as unknown as Operation;

describe('safe by default', () => {
  it('splits paths and operation ids into words', () => {
    expect(words('createDatabase')).toEqual(['create', 'database']);
    expect(words('/admin/reset-db')).toEqual(['admin', 'reset', 'db']);
    expect(words('init_data')).toEqual(['init', 'data']);
    expect(words('HTMLReset')).toEqual(['html', 'reset']);
  });

  it('skips operations whose path or id says they reset, init, seed, drop, purge, wipe or create a database', () => {
    for (const o of [op('GET', '/admin/reset-db'), op('POST', '/init'), op('GET', '/seed'), op('POST', '/tables/{t}/drop'), op('POST', '/cache', 'purgeCache'),
      op('GET', '/debug/wipe'), op('POST', '/setup', 'createDatabase'), op('PUT', '/x', 'initializeStore')]) {
      expect([o.path, destructiveName(o)]).toEqual([o.path, expect.any(String)]);
    }
  });

  it('leaves password resets, ordinary words that contain those letters, and DELETE (judged by method) alone', () => {
    for (const o of [op('POST', '/users/reset-password'), op('POST', '/password/reset'), op('GET', '/initiatives'), op('GET', '/seedlings'),
      op('POST', '/droplets'), op('DELETE', '/db/reset'), op('POST', '/orders', 'createOrder')]) {
      expect([o.path, destructiveName(o)]).toEqual([o.path, undefined]);
    }
  });

  it('says why an operation is skipped: --exclude, x-gatehouse-scan: skip, --skip-destructive, its name', () => {
    expect(skipReason(op('GET', '/a', 'a'), { exclude: ['a'] })).toBe('excluded by --exclude');
    expect(skipReason(op('GET', '/a', 'a', { 'x-gatehouse-scan': 'skip' }), {})).toBe('marked x-gatehouse-scan: skip in the spec');
    expect(skipReason(op('DELETE', '/a/{id}'), { skipDelete: true })).toMatch(/--skip-destructive/);
    expect(skipReason(op('GET', '/reset'), {})).toMatch(/--include-destructive scans it/);
    expect(skipReason(op('GET', '/reset'), { includeDestructive: true })).toBeUndefined();
  });

  it('says BOLA needs two non-admin identities, and BFLA one', () => {
    expect(prerequisites(['bola', 'bfla'], [{ name: 'admin' }, { name: 'user1' }]).join('\n')).toMatch(/bola: needs two non-admin identities.*only "user1" given/);
    expect(prerequisites(['bola', 'bfla'], [{ name: 'root' }]).join('\n')).toMatch(/bfla: needs a non-admin identity/);
    expect(prerequisites(['bola'], [{ name: 'a' }, { name: 'b' }])).toEqual([]);
  });
});
