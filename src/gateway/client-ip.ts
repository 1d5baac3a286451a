import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { ClientIpConfig } from '../config/types.js';

/** Derives the client address of a request from its socket and, when trusted, X-Forwarded-For. */
export type ClientIpResolver = (req: IncomingMessage) => string;

/** Node reports IPv4 peers on a dual-stack socket as `::ffff:a.b.c.d`; limits key on the IPv4 form. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** `1.2.3.4:80` and `[::1]:80` as some proxies write them; undefined when it is not an address. */
function entryAddress(entry: string): string | undefined {
  let value = entry.trim();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    value = end === -1 ? value : value.slice(1, end);
  } else if (value.indexOf(':') !== -1 && value.indexOf(':') === value.lastIndexOf(':')) {
    value = value.slice(0, value.indexOf(':'));
  }
  return isIP(value) === 0 ? undefined : plainAddress(value);
}

/**
 * Compiles the `clientIp` setting. Without it the socket peer is the client and X-Forwarded-For
 * is ignored: any client can write that header, so trusting it by default would let anyone pick
 * the address their rate limits are counted against.
 *
 * The chain is X-Forwarded-For (every field, left to right) followed by the socket peer. It is
 * read from the right, since only the entries our own proxies appended can be trusted:
 * - `trustedHops: N` — N proxies stand in front of the gateway; the client is the entry N places
 *   left of the peer (the Express/`real_ip_recursive` model when the proxy count is fixed);
 * - `trustedProxies: [CIDR...]` — skip entries while they are trusted proxies; the first address
 *   that is not one is the client.
 * An entry that is not an IP address stops the walk at the last address a trusted hop vouched for.
 */
export function compileClientIp(config: ClientIpConfig | undefined): ClientIpResolver | undefined {
  if (config === undefined || (config.trustedHops === 0 && config.trustedProxies.length === 0)) return undefined;
  const hops = config.trustedHops;
  let trusted: BlockList | undefined;
  if (config.trustedProxies.length > 0) {
    trusted = new BlockList();
    for (const cidr of config.trustedProxies) {
      const [net, bits] = cidr.split('/') as [string, string | undefined];
      const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) trusted.addAddress(net, family);
      else trusted.addSubnet(net, Number(bits), family);
    }
  }
  const isTrusted = (address: string): boolean => {
    if (trusted === undefined) return false;
    return trusted.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  };

  return (req) => {
    const peer = plainAddress(req.socket.remoteAddress ?? '');
    const header = req.headers['x-forwarded-for'];
    if (header === undefined) return peer;
    const chain = (Array.isArray(header) ? header.join(',') : header).split(',');
    let client = peer;
    if (trusted !== undefined) {
      if (!isTrusted(peer)) return peer;
      for (let i = chain.length - 1; i >= 0; i--) {
        const address = entryAddress(chain[i] as string);
        if (address === undefined) return client;
        client = address;
        if (!isTrusted(address)) return client;
      }
      return client;
    }
    for (let step = 0, i = chain.length - 1; step < hops && i >= 0; step++, i--) {
      const address = entryAddress(chain[i] as string);
      if (address === undefined) return client;
      client = address;
    }
    return client;
  };
}
