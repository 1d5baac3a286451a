import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { compileClientIp } from '../../src/gateway/client-ip.js';

function req(peer: string, xff?: string | string[]): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } } as unknown as IncomingMessage;
}

describe('the client address', () => {
  it('trusts no header by default', () => {
    expect(compileClientIp(undefined)).toBeUndefined();
    expect(compileClientIp({ trustedHops: 0, trustedProxies: [] })).toBeUndefined();
  });

  it('counts trusted hops from the right', () => {
    const two = compileClientIp({ trustedHops: 2, trustedProxies: [] });
    expect(two?.(req('10.0.0.1', 'spoofed, 1.2.3.4, 10.0.0.2'))).toBe('1.2.3.4');
    // Shorter chain than the hops: the leftmost address.
    expect(two?.(req('10.0.0.1', '1.2.3.4'))).toBe('1.2.3.4');
    // Several header fields form one list (RFC 9110 §5.3).
    expect(two?.(req('10.0.0.1', ['spoofed', '1.2.3.4, 10.0.0.2']))).toBe('1.2.3.4');
  });

  it('stops at an entry that is not an address', () => {
    const one = compileClientIp({ trustedHops: 2, trustedProxies: [] });
    expect(one?.(req('10.0.0.1', '1.2.3.4, garbage'))).toBe('10.0.0.1');
  });

  it('walks past trusted ranges only, and ignores the header from an untrusted peer', () => {
    const ranges = compileClientIp({ trustedHops: 0, trustedProxies: ['10.0.0.0/8', '::1'] });
    expect(ranges?.(req('10.0.0.1', '6.6.6.6, 5.5.5.5, 10.2.2.2'))).toBe('5.5.5.5');
    expect(ranges?.(req('::ffff:10.0.0.1', '5.5.5.5:4711'))).toBe('5.5.5.5');
    expect(ranges?.(req('::1', '[2001:db8::1]:443'))).toBe('2001:db8::1');
    expect(ranges?.(req('7.7.7.7', '5.5.5.5'))).toBe('7.7.7.7');
  });
});
