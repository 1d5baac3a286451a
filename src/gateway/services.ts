import type { Logger } from 'pino';
import type { GatewayMetrics } from '../observe/metrics.js';
import type { RequestContext } from './context.js';

/** What the data plane needs from the rest of the process; built once at start. */
export interface GatewayServices {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** Called after every response (inventory, anomaly features, decision records). Must not throw. */
  readonly observers: ((ctx: RequestContext) => void)[];
}
