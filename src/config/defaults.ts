import type { ContractPolicyConfig, LimitsConfig } from './types.js';
import { DEFAULT_HTTP2_LIMITS } from './protocols.js';

/** Defaults chosen to be safe out of the box: enforcement on, undeclared data refused and stripped. */
export const DEFAULT_CONTRACT: ContractPolicyConfig = {
  mode: 'enforce',
  unknownFields: 'reject',
  unknownQuery: 'reject',
  readOnly: 'reject',
  responses: 'strip',
};

export const DEFAULT_LIMITS: LimitsConfig = {
  maxUrlLength: 8192,
  maxHeaderCount: 100,
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 1024 * 1024,
  maxBodyBytesByType: {},
  maxJsonDepth: 32,
  maxJsonElements: 10_000,
  maxStringLength: 64 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
  http2: DEFAULT_HTTP2_LIMITS,
};

export const DEFAULT_UPSTREAM = {
  timeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  connections: 128,
  maxResponseBytes: 16 * 1024 * 1024,
};
