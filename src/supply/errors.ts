import { GatehouseError } from '../errors/index.js';

/**
 * Failures of `gatehouse sbom` / `gatehouse deps` inputs: a missing or unreadable lock file,
 * vulnerability database or allow-list. The CLI turns each into exit code 2 with its message.
 */
export type SupplyErrorCode =
  | 'GH_SUPPLY_NO_LOCKFILE'
  | 'GH_SUPPLY_LOCKFILE_INVALID'
  | 'GH_SUPPLY_DB_INVALID'
  | 'GH_SUPPLY_IGNORE_FILE_INVALID'
  | 'GH_SUPPLY_UPDATE_FAILED';

export class SupplyError extends GatehouseError {
  constructor(code: SupplyErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
