import { GatehouseError } from '../errors/index.js';

/**
 * The backing service of a store could not serve a call (unreachable, timed out, closed, or it
 * failed the statement). Callers treat it as an outage: policies fail closed or open per their
 * config; the original driver error is kept as `cause` for the operator's log, never for clients.
 */
export class StoreUnavailableError extends GatehouseError {
  readonly store: string;
  constructor(store: string, operation: string, cause?: unknown) {
    const why = cause instanceof Error ? cause.message : cause === undefined ? 'unavailable' : String(cause);
    super('GH_STORE_UNAVAILABLE', `${store} store: ${operation} failed: ${why}`, { cause, details: { store, operation } });
    this.store = store;
  }
}

/** A caller passed an argument no store can honour (a negative TTL, a field name that is not a plain identifier...). */
export class StoreInputError extends GatehouseError {
  constructor(what: string, message: string) {
    super('GH_STORE_INVALID_INPUT', `${what}: ${message}`, { details: { what } });
  }
}
