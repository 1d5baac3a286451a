/** `gatehouse scan`: dynamic security testing and fuzzing of a running service from its spec. */
export type * from './types.js';
export { CHECKS, OWASP, SEVERITIES } from './types.js';
export { runScan, planScan, parseTarget, type ScanOptions, type ScanPlan } from './engine.js';
export { parseIdentity, readIdentityFile, forgeries, decodeJwt } from './auth.js';
export { parseLogin, type LoginSpec } from './login.js';
export { parseParam, type UserParam } from './values.js';
export { schemaArbitrary } from './arbitrary.js';
export { FORMATS, formatReport, gateExitCode, type Format } from './report/index.js';
export { progressBar } from './progress.js';
export { ScanError } from './errors.js';
