import { describe, expect, it } from 'vitest';
import { compilePlan, isPinned } from './plan.js';

const trusted = { trustContract: true, categories: undefined };

describe('which values the contract pins down', () => {
  it.each([
    [{ type: 'integer' }], [{ type: ['number', 'null'] }], [{ type: 'boolean' }], [{ enum: ['a', 'b'] }], [{ const: 'x' }],
    [{ type: 'string', format: 'uuid' }], [{ type: 'string', format: 'date-time' }], [{ type: 'string', pattern: '^[A-Z]{3}$' }],
  ])('%j is validated, not scanned', (schema) => {
    expect(isPinned(schema)).toBe(true);
  });
  it.each([
    [{ type: 'string' }], [{ type: 'string', format: 'email' }], [{ type: 'string', pattern: '.*' }], [{ type: 'string', maxLength: 5 }], [{}],
  ])('%j is free text', (schema) => {
    expect(isPinned(schema)).toBe(false);
  });
});

describe('compiling a scan plan', () => {
  it('skips pinned members, scans free ones and marks URL fields', () => {
    const plan = compilePlan({
      type: 'object',
      properties: { id: { type: 'string', format: 'uuid' }, note: { type: 'string' }, hook: { type: 'string', format: 'uri' }, returnUrl: { type: 'string' } },
    }, 'body', trusted);
    expect(plan.t).toBe('object');
    if (plan.t !== 'object') return;
    expect(plan.props.get('id')).toEqual({ t: 'skip' });
    expect(plan.props.get('note')).toEqual({ t: 'value', ctx: { kind: 'generic' } });
    expect(plan.props.get('hook')).toEqual({ t: 'value', ctx: { kind: 'url' } });
    expect(plan.props.get('returnUrl')).toEqual({ t: 'value', ctx: { kind: 'url' } });
    expect(plan.rest.t).toBe('any');
  });

  it('scans pinned values when the contract is not enforced', () => {
    expect(compilePlan({ type: 'integer' }, 'limit', { trustContract: false, categories: undefined }).t).toBe('any');
  });

  it('merges allOf members and falls back to a full scan for oneOf', () => {
    const merged = compilePlan({ allOf: [{ properties: { a: { type: 'integer' } } }, { properties: { b: { type: 'string' } } }] }, 'body', trusted);
    expect(merged.t === 'object' && [...merged.props.keys()]).toEqual(['a', 'b']);
    expect(compilePlan({ oneOf: [{ type: 'string' }, { type: 'integer' }] }, 'x', trusted).t).toBe('any');
  });

  it('terminates on a recursive schema', () => {
    const node: Record<string, unknown> = { type: 'object', properties: { text: { type: 'string' } } };
    (node.properties as Record<string, unknown>).children = { type: 'array', items: node };
    const plan = compilePlan(node, 'body', trusted);
    expect(plan.t).toBe('object');
  });
});
