export { ERROR_CODES, type ErrorCode, type ErrorCodeInfo } from './codes.js';
export { GatehouseError, ConfigError, SpecError, formatProblem, statusOf, type ConfigProblem, type Denial } from './gatehouse-error.js';
export { problemFor, type ProblemDocument } from './problem.js';
