export { loadConfig, locateProblems, parseConfig, type LoadConfigOptions } from './load.js';
export type * from './types.js';
export { DEFAULT_CONTRACT, DEFAULT_LIMITS } from './defaults.js';
export { parseDuration, parseSize } from './units.js';
export { compileApis, type ApisCheck, type CompiledApiContract } from './apis.js';
