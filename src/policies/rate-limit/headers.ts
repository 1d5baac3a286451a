/*
 * RateLimit and RateLimit-Policy fields in the structured-field form of
 * draft-ietf-httpapi-ratelimit-headers (-08 and later): each field is a List of Items whose value
 * is the policy name (an sf-string) and whose parameters are
 *   RateLimit-Policy: "name";q=<quota units>;w=<window seconds>
 *   RateLimit:        "name";r=<remaining units>;t=<seconds until the quota is restored>
 * One item per limit that applied to the request. Names are restricted by the config schema to
 * characters that need no escaping inside an sf-string.
 */

/** The RateLimit-Policy item of a limit, built once at load time. */
export function policyItem(name: string, quota: number, windowMs: number): string {
  return `"${name}";q=${quota};w=${Math.max(1, Math.round(windowMs / 1000))}`;
}

/** The RateLimit item for one decision. */
export function stateItem(name: string, remaining: number, resetMs: number): string {
  return `"${name}";r=${Math.max(0, remaining)};t=${Math.max(0, Math.ceil(resetMs / 1000))}`;
}

/** Retry-After in whole seconds (RFC 9110 §10.2.3), never 0 for a refusal. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
