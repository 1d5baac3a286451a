import type { GatewayServices } from '../gateway/services.js';
import type { RevocationList } from './revocations.js';

/**
 * The revocation list of a running gateway, found by policies through the services object they
 * already receive; kept here so GatewayServices needs no field for it. Lives across reloads.
 */
const lists = new WeakMap<GatewayServices, RevocationList>();

export function registerRevocations(services: GatewayServices, list: RevocationList): void {
  lists.set(services, list);
}

export function revocationsFor(services: GatewayServices): RevocationList | undefined {
  return lists.get(services);
}
