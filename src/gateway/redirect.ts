import type { IncomingMessage, ServerResponse } from 'node:http';
import { BASELINE_SECURITY_HEADERS } from '../policies/security-headers/headers.js';

/** A host as RFC 9110 allows it in Host: a name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The plain listener's handler when `listen.http.redirectToHttps` is on: every request is answered
 * 308 (method and body kept, RFC 9110 §15.4.9) to the same path on the https listener, and nothing
 * is proxied in clear text. The host is the one the client asked for, with the port the https
 * listener is bound to; a Host
 * that is not a plain host name is refused rather than echoed into Location.
 */
export function redirectToHttps(httpsPort: () => number | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const https = httpsPort();
    const host = req.headers.host ?? '';
    const url = req.url ?? '/';
    if (https === undefined || !HOST.test(host) || url.charCodeAt(0) !== 47 || url.startsWith('//')) {
      res.writeHead(400, { ...BASELINE_SECURITY_HEADERS, 'content-type': 'text/plain', 'cache-control': 'no-store', connection: 'close' });
      res.end('use https');
      return;
    }
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0] as string;
    const port = https === 443 ? '' : `:${https}`;
    res.writeHead(308, { ...BASELINE_SECURITY_HEADERS, location: `https://${name}${port}${url}`, 'content-length': 0, 'cache-control': 'no-store' });
    res.end();
  };
}
