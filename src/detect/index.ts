/**
 * Injection detectors: pure functions over request values, no I/O. The gateway calls detectValue on every
 * string value of every request; detectObject walks parsed JSON bodies; detectRequest judges a whole raw
 * request (used by `gatehouse detect`).
 */
export type { Category, DetectContext, Detection, ValueKind } from './types.js';
export { CATEGORIES, FRAGMENT_MAX } from './types.js';
export { detectValue } from './value.js';
export { detectObject, type WalkLimits } from './object.js';
export { detectRequest, type RawRequest } from './request.js';
export { isPrivateAddress, isInternalHost } from './ssrf.js';
export { normalise } from './decode.js';
export { redactFragment } from './redact.js';
