/**
 * Injection detectors: pure functions over request values, no I/O. The gateway calls detectValue on every
 * string value of every request; detectObject walks parsed JSON bodies; detectRequest judges a whole raw
 * request (used by `gatehouse detect` and by the injection policy's `scan: all`). Every detection names the
 * rule that decided (rules.ts), its paranoia level and the token sequence that decided.
 */
export type { Category, DetectContext, Detection, Level, Rule, ValueKind } from './types.js';
export { CATEGORIES, FRAGMENT_MAX, LEVELS } from './types.js';
export { ALL_RULES, RULES } from './rules.js';
export { detectValue } from './value.js';
export { detectObject, type WalkLimits } from './object.js';
export {
  detectRequest, detectBody, detectHeader, detectParameter, detectPath, isProtocolHeader, parseRawHttp, type RawRequest,
} from './request/index.js';
export { isPrivateAddress, isInternalHost } from './ssrf.js';
export { normalise } from './decode.js';
export { redactFragment } from './redact.js';
