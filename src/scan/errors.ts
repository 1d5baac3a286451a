import { GatehouseError } from '../errors/index.js';

/**
 * Failures of a scan that stop it with a clear message (exit code 2 from the CLI):
 * GH_SCAN_USAGE (bad option), GH_SCAN_OFF_ORIGIN (a request would leave the target),
 * GH_SCAN_CREDENTIALS_REFUSED (an identity's credential does not work), GH_SCAN_TARGET_UNREACHABLE.
 */
export class ScanError extends GatehouseError {}
