import { describe, expect, it } from 'vitest';
import type { Sent } from '../context.js';
import { answersDiffer, normaliseBody, timingSeparates } from './enumeration.js';

const sent = (status: number, body: string): Sent => ({
  request: { method: 'POST', path: '/login', headers: {} },
  response: { status, headers: {}, body, json: undefined, elapsedMs: 1 },
});

describe('user enumeration evidence', () => {
  it('masks the names and volatile values, keeping the message', () => {
    const names = ['ghsabc1', 'ghsxyz2'];
    expect(normaliseBody('{"error":"Login failed for ghsabc1","requestId":"5f0c1e9a-1b2c-4d3e-8f90-123456789abc","at":"2025-01-02T03:04:05Z"}', names))
      .toBe(normaliseBody('{"error":"Login failed for ghsxyz2","requestId":"0a0b0c0d-1111-4222-8333-444455556666","at":"2025-06-07T08:09:10.123Z"}', names));
  });

  it('reports a status difference only when each side is consistent', () => {
    expect(answersDiffer([sent(401, 'x'), sent(401, 'x')], [sent(404, 'x'), sent(404, 'x')], [])).toMatch(/status 401 .* 404/);
    expect(answersDiffer([sent(401, 'x'), sent(404, 'x')], [sent(404, 'x'), sent(404, 'x')], [])).toBeUndefined();
  });

  it('reports a body difference, not one made of the name itself', () => {
    expect(answersDiffer([sent(401, '{"error":"wrong password"}')], [sent(401, '{"error":"no such user"}')], [])).toMatch(/wrong password/);
    expect(answersDiffer([sent(401, 'bad login for ghsabc1')], [sent(401, 'bad login for ghsxyz2')], ['ghsabc1', 'ghsxyz2'])).toBeUndefined();
  });

  it('ignores throttled and unanswered samples', () => {
    expect(answersDiffer([sent(429, 'slow down')], [sent(401, 'nope')], [])).toBeUndefined();
    expect(answersDiffer([sent(0, '')], [sent(401, 'nope')], [])).toBeUndefined();
  });

  it('separates timings only when (nearly) every pair is ordered and the gap is real', () => {
    const fast = [2, 3, 2, 4, 3, 2, 3, 2];
    expect(timingSeparates(fast.map((t) => t + 120), fast)).toMatchObject({ separates: true });
    expect(timingSeparates(fast, fast.map((t) => t + 120))).toMatchObject({ separates: true });
    expect(timingSeparates(fast.map((t) => t + 5), fast).separates).toBe(false);
    const noisy = [2, 3, 150, 4, 3, 2, 3, 2];
    expect(timingSeparates(noisy, fast).separates).toBe(false);
  });
});
