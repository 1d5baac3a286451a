import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config/defaults.js';
import { bodyLimitFor } from '../../src/gateway/accept.js';

const limits = { ...DEFAULT_LIMITS, maxBodyBytes: 100, maxBodyBytesByType: { 'application/json': 10, 'multipart/*': 5000 } };

describe('the body limit of a content type', () => {
  it('uses the exact media type, ignoring parameters and case', () => {
    expect(bodyLimitFor('Application/JSON; charset=utf-8', limits)).toBe(10);
  });
  it('falls back to the type wildcard, then to maxBodyBytes', () => {
    expect(bodyLimitFor('multipart/form-data; boundary=x', limits)).toBe(5000);
    expect(bodyLimitFor('text/plain', limits)).toBe(100);
    expect(bodyLimitFor(undefined, limits)).toBe(100);
    expect(bodyLimitFor('garbage', limits)).toBe(100);
  });
  it('costs nothing when no per-type limit is configured', () => {
    expect(bodyLimitFor('application/json', DEFAULT_LIMITS)).toBe(DEFAULT_LIMITS.maxBodyBytes);
  });
});
