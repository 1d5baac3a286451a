import type { ApiConfig, GatehouseConfig } from '../config/types.js';
import type { Denial } from '../errors/index.js';
import type { RequestContext } from '../gateway/context.js';
import type { GatewayServices } from '../gateway/services.js';
import type { LoadedSpec, Operation } from '../openapi/types.js';
import type { OperationValidators } from '../openapi/validator-types.js';

/** What a policy handler may return: nothing (go on), a denial, or a promise of either. */
export type PhaseResult = Denial | undefined | Promise<Denial | undefined>;

/** The upstream's answer as response-side policies see it. */
export interface UpstreamResponseView {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly contentType: string;
}

/**
 * A policy compiled for one route. Built once at load time by its factory; at request time the
 * pipeline only calls these functions. Response-side handlers run in reverse order; `log` always
 * runs and must never throw.
 */
export interface PolicyInstance {
  readonly name: string;
  readonly mode: 'enforce' | 'monitor';
  /** The pipeline reads and parses the request body before `requestBody` when true. */
  readonly needsRequestBody?: boolean;
  request?(ctx: RequestContext): PhaseResult;
  requestBody?(ctx: RequestContext): PhaseResult;
  /** Whether this policy needs the parsed response body for this response. */
  wantsResponseBody?(ctx: RequestContext, response: UpstreamResponseView): boolean;
  /**
   * For a policy that wanted this response's body: true when the raw bytes may go out unchanged
   * and the policy has nothing to do with them. When every policy that wanted the body says so,
   * the body is not parsed and no `responseBody` runs (a policy that did not want the body is
   * never asked, and must not need its `responseBody` called).
   */
  rawResponse?(ctx: RequestContext, response: UpstreamResponseView, raw: Buffer): boolean;
  /** Sees (and may rewrite in place) the parsed JSON response body. */
  responseBody?(ctx: RequestContext, response: UpstreamResponseView, body: unknown): Denial | undefined;
  log?(ctx: RequestContext): void;
}

/**
 * Shared, per-runtime resources for policy factories: one JWKS cache per issuer rather than one
 * per route, closed when the runtime is replaced by a reload.
 */
export interface RuntimeScope {
  readonly services: GatewayServices;
  /** The value for `key`, made once per runtime by `make`. */
  once<T>(key: string, make: () => T): T;
  /** Runs when this runtime is closed (after a reload swapped it out, or at shutdown). */
  onClose(close: () => Promise<void> | void): void;
}

export interface PolicyFactoryInput {
  readonly scope: RuntimeScope;
  readonly config: GatehouseConfig;
  readonly api: ApiConfig;
  readonly spec: LoadedSpec;
  /** Undefined for unmatched (pass-through) traffic. */
  readonly operation: Operation | undefined;
  readonly validators: OperationValidators | undefined;
}

export type PolicyFactory = (input: PolicyFactoryInput) => PolicyInstance | undefined;
