import { GatehouseError } from '../errors/index.js';

/**
 * Failures of a scan that stop it with a clear message (exit code 2 from the CLI):
 * GH_SCAN_USAGE (bad option), GH_SCAN_OFF_ORIGIN (a request would leave the target),
 * GH_SCAN_CREDENTIALS_REFUSED (an identity's credential does not work), GH_SCAN_TARGET_UNREACHABLE.
 */
export class ScanError extends GatehouseError {}

/** Thrown when the scan cannot go on (budget spent, target down): checks stop where they are. */
export class ScanHalt extends Error {}

/** Thrown when the request budget or the time budget is spent. */
export class BudgetExhausted extends ScanHalt {
  constructor(readonly reason: 'requests' | 'time') {
    super(reason === 'requests' ? 'request budget spent' : 'time budget spent');
    this.name = 'BudgetExhausted';
  }
}

/** Thrown when the target went down and did not come back within the wait (or went down too often). */
export class TargetDown extends ScanHalt {
  constructor(message: string) {
    super(message);
    this.name = 'TargetDown';
  }
}
