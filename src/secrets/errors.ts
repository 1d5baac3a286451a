import { GatehouseError } from '../errors/index.js';

/**
 * Failures of the secret store and resolver. Messages name the secret, the version and the file
 * or source, never a value: they end up in logs and terminals.
 */
export type SecretErrorCode =
  | 'GH_SECRET_KEY_MISSING'
  | 'GH_SECRET_KEY_INVALID'
  | 'GH_SECRET_KEY_MISMATCH'
  | 'GH_SECRET_TAMPERED'
  | 'GH_SECRET_STORE_INVALID'
  | 'GH_SECRET_NOT_FOUND'
  | 'GH_SECRET_REVOKED'
  | 'GH_SECRET_EXPIRED'
  | 'GH_SECRET_NAME_INVALID'
  | 'GH_SECRET_REF_INVALID'
  | 'GH_SECRET_SOURCE_FAILED';

export class SecretError extends GatehouseError {
  constructor(code: SecretErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
