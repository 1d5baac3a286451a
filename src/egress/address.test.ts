import { describe, expect, it } from 'vitest';
import { addressGuard } from './address.js';

describe('the egress destination guard', () => {
  const guard = addressGuard([]);

  it('refuses loopback, private, link-local, metadata and reserved addresses in every spelling', () => {
    for (const address of [
      '127.0.0.1', '127.8.9.10', '10.0.0.5', '172.16.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0',
      '169.254.169.254', '224.0.0.1', '255.255.255.255',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254',
      '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe',
      // NAT64 and 6to4 carry an IPv4 address: the metadata service and loopback, in IPv6 clothing.
      '64:ff9b::a9fe:a9fe', '64:ff9b::169.254.169.254', '2002:7f00:1::1', '2002:a9fe:a9fe::',
    ]) {
      expect(guard.refuse(address), address).toBeDefined();
    }
  });

  it('lets public addresses through', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1']) {
      expect(guard.refuse(address), address).toBeUndefined();
    }
  });

  it('refuses what is not an address at all', () => {
    expect(guard.refuse('localhost')).toBeDefined();
  });

  it('lets through exactly the private addresses allowPrivate lists', () => {
    const allowing = addressGuard(['127.0.0.1', '10.20.0.0/16']);
    expect(allowing.refuse('127.0.0.1')).toBeUndefined();
    expect(allowing.refuse('10.20.3.4')).toBeUndefined();
    expect(allowing.refuse('127.0.0.2')).toBeDefined();
    expect(allowing.refuse('10.21.0.1')).toBeDefined();
    expect(allowing.refuse('169.254.169.254')).toBeDefined();
    expect(allowing.refuse('::1')).toBeDefined();
  });
});
