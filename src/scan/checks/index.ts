import type { ScanContext } from '../context.js';
import type { CheckId } from '../types.js';
import { authCheck } from './auth.js';
import { bflaCheck } from './bfla.js';
import { bolaCheck } from './bola.js';
import { exposureObserver } from './exposure.js';
import { fuzzCheck } from './fuzz.js';
import { injectionCheck } from './injection.js';
import { inventoryCheck } from './inventory.js';
import { massAssignmentReadbackCheck } from './mass-assignment-readback.js';
import { misconfigCheck, misconfigObserver } from './misconfig.js';
import { rateLimitCheck, rateLimitObserver } from './rate-limit.js';
import { ssrfCheck } from './ssrf.js';
import { statefulCheck } from './stateful.js';
import { authUndeclaredCheck } from './auth-undeclared.js';
import { bolaWriteCheck } from './bola-write.js';
import { enumerationCheck } from './enumeration.js';
import { jwtCheck, jwtObserver } from './jwt.js';
import { openRedirectCheck } from './open-redirect.js';
import { redosCheck } from './redos.js';
import { sstiCheck } from './ssti.js';
import { traversalCheck } from './traversal.js';
import { xxeCheck } from './xxe.js';

const none = (): Promise<void> => Promise.resolve();

/** The active part of each check, run in CHECKS order. */
export const CHECK_RUNNERS: Record<CheckId, (ctx: ScanContext) => Promise<void>> = {
  fuzz: fuzzCheck, stateful: statefulCheck, auth: authCheck, bola: bolaCheck, bfla: bflaCheck,
  'mass-assignment': massAssignmentReadbackCheck, exposure: none, misconfig: misconfigCheck, injection: injectionCheck,
  ssrf: ssrfCheck, 'rate-limit': rateLimitCheck, inventory: inventoryCheck,
  'auth-undeclared': authUndeclaredCheck, jwt: jwtCheck, 'bola-write': bolaWriteCheck, enumeration: enumerationCheck,
  traversal: traversalCheck, 'open-redirect': openRedirectCheck, ssti: sstiCheck, xxe: xxeCheck, redos: redosCheck,
};

/** Checks that also (or only) watch every exchange of the scan; installed before any request. */
export const PASSIVE: Partial<Record<CheckId, (ctx: ScanContext) => void>> = {
  exposure: exposureObserver, misconfig: misconfigObserver, 'rate-limit': rateLimitObserver, jwt: jwtObserver,
};
