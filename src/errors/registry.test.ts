import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './codes.js';
import { problemFor } from './problem.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map([...doc.matchAll(/^\| `(GH_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));

describe('the error registry', () => {
  it('is documented in docs/errors.md, code for code and status for status', () => {
    const registry = new Map(Object.entries(ERROR_CODES).map(([code, info]) => [code, info.status]));
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(registry));
  });

  it('gives titles that carry no request data', () => {
    for (const info of Object.values(ERROR_CODES)) expect(info.title).toMatch(/^[A-Za-z ]+$/);
  });

  it('renders RFC 9457 problem details with the code and request id', () => {
    const p = problemFor({ code: 'GH_RATE_LIMITED', detail: 'slow down' }, 'req-1');
    expect(p).toEqual({ type: 'https://gatehouse.dev/problems/gh-rate-limited', title: 'Too Many Requests', status: 429, code: 'GH_RATE_LIMITED', detail: 'slow down', requestId: 'req-1' });
  });
});
