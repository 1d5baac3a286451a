import { claimAt, claimString } from '../../identity/claims.js';
import { ExpiringLru } from '../../identity/lru.js';
import type { OwnerLookup } from './config.js';

export type Owner = { readonly owner: string | undefined } | { readonly unavailable: string };

/**
 * Indirect ownership (`/orders/{orderId}` belongs to whoever the order service says): asks a
 * configured endpoint for the object's owner, caching answers briefly. An endpoint that cannot
 * answer makes the check fail closed; an object it does not know has no owner (refused).
 */
export class OwnerLookups {
  private readonly cache: ExpiringLru<string | null>;

  constructor(private readonly lookup: OwnerLookup) {
    this.cache = new ExpiringLru(10_000);
  }

  async ownerOf(value: string): Promise<Owner> {
    const cached = this.cache.get(value);
    if (cached !== undefined) return { owner: cached ?? undefined };
    let response: Response;
    try {
      response = await fetch(this.lookup.url.replaceAll('{value}', encodeURIComponent(value)), {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.lookup.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      return { unavailable: (error as Error).message };
    }
    if (response.status === 404) {
      await response.body?.cancel();
      this.cache.set(value, null, Date.now() + this.lookup.cacheTtlMs);
      return { owner: undefined };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { unavailable: `owner lookup answered ${response.status}` };
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return { unavailable: 'owner lookup answer is not JSON' };
    }
    const owner = body !== null && typeof body === 'object' ? claimString(claimAt(body as Record<string, unknown>, this.lookup.ownerField)) : undefined;
    this.cache.set(value, owner ?? null, Date.now() + this.lookup.cacheTtlMs);
    return { owner };
  }
}
