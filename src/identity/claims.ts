/** Reading scopes, roles and other claims from token claims or introspection answers. */

/** Splits a dotted claim path once, at load time: `realm_access.roles` -> ['realm_access', 'roles']. */
export function compileClaimPath(path: string): readonly string[] {
  return path.split('.').filter((p) => p !== '');
}

export function claimAt(claims: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const part of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Strings from a claim that is a space-separated string or an array of strings. */
export function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}

/** Scopes from `scope` (RFC 8693 §4.2: space-separated string) and `scp` (array, common in Azure AD / Okta). */
export function scopesOf(claims: Readonly<Record<string, unknown>>): Set<string> {
  const scopes = new Set(stringsOf(claims.scope));
  for (const s of stringsOf(claims.scp)) scopes.add(s);
  return scopes;
}

/** A claim as a string for comparisons (`sub`, a tenant id); numbers are compared as their decimal text. */
export function claimString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
