import { BlockList, isIP } from 'node:net';
import { isPrivateAddress } from '../detect/ssrf.js';

/**
 * The destination guard's verdict on one resolved address. Private, loopback, link-local (the
 * cloud metadata service at 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast and
 * reserved addresses are refused, in every IPv6 spelling that embeds an IPv4 address
 * (::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16), unless `allowPrivate` lists them.
 */
export interface AddressGuard {
  /** Undefined when the address may be connected to, else why not. */
  refuse(address: string): string | undefined;
}

export function addressGuard(allowPrivate: readonly string[]): AddressGuard {
  const allowed = new BlockList();
  for (const cidr of allowPrivate) {
    const [address, bits] = cidr.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) allowed.addAddress(address, family);
    else allowed.addSubnet(address, Number(bits), family);
  }
  return {
    refuse(address) {
      const family = isIP(address);
      if (family === 0) return `"${address}" is not an IP address`;
      const embedded = family === 6 ? embeddedV4(address) : undefined;
      if (!isPrivateAddress(address) && (embedded === undefined || !isPrivateAddress(embedded))) return undefined;
      if (allowPrivate.length > 0 && (allowed.check(address, family === 6 ? 'ipv6' : 'ipv4') || (embedded !== undefined && allowed.check(embedded, 'ipv4')))) return undefined;
      return `${address} is a private, loopback, link-local or reserved address`;
    },
  };
}

/** The IPv4 address a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address carries, if any. */
function embeddedV4(address: string): string | undefined {
  const words = expandV6(address);
  if (words === undefined) return undefined;
  const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0)) return v4(words[6] as number, words[7] as number);
  if (words[0] === 0x2002) return v4(words[1] as number, words[2] as number);
  return undefined;
}

/** Eight 16-bit words of an IPv6 address (a trailing dotted IPv4 part read as two words). */
function expandV6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  if (fill < 0) return undefined;
  const words = [...left, ...Array<string>(fill).fill('0'), ...right].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}
