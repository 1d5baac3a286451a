import type { OutgoingHttpHeaders } from 'node:http';
import type { ApiConfig } from '../../config/types.js';

/**
 * Headers every API response carries (OWASP REST Security cheat sheet): no MIME sniffing, no
 * framing, no referrer, and a CSP that forbids everything, since an API response is never a page.
 * Computed once per API.
 */
export function securityHeadersFor(api: ApiConfig): { headers: OutgoingHttpHeaders; hsts: string | undefined } {
  if (api.policies.securityHeaders.mode === 'off') return { headers: {}, hsts: undefined };
  return {
    headers: {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cross-origin-resource-policy': 'same-origin',
    },
    hsts: api.policies.securityHeaders.hsts ? 'max-age=31536000; includeSubDomains' : undefined,
  };
}

/** Headers for refusals the gateway makes before an API is known (unmatched, malformed). */
export const BASELINE_SECURITY_HEADERS: OutgoingHttpHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};
