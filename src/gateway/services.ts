import type { Logger } from 'pino';
import type { GatewayMetrics } from '../observe/metrics.js';
import type { Store } from '../store/index.js';
import type { RequestContext } from './context.js';

/** What the data plane needs from the rest of the process; built once at start. */
export interface GatewayServices {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /**
   * The store named by `store` in the config, opened once at start and kept across reloads
   * (changing it needs a restart). Policies reach it through `scope.services.store`.
   */
  readonly store: Store;
  /** Called after every response (inventory, anomaly features, decision records). Must not throw. */
  readonly observers: ((ctx: RequestContext) => void)[];
}
