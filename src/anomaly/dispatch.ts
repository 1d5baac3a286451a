import type { Logger } from 'pino';
import type { BufferedRecords } from '../store/index.js';
import { finishAlert, type Alert, type AlertDraft } from './alert.js';
import type { MonitoringConfig } from './config.js';
import { respondTo } from './respond.js';
import type { RevocationList } from './revocations.js';
import { deliver } from './webhook.js';

export const ALERT_STREAM = 'alerts';

export interface DispatchDeps {
  readonly logger: Logger;
  readonly buffer: BufferedRecords;
  readonly revocations: RevocationList;
  readonly now: () => number;
}

/**
 * Takes each alert through its automatic response (first: the attacker's next request should
 * already be refused) and then to every sink: the log, the store (`gatehouse alerts`), webhooks.
 */
export class AlertDispatcher {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly config: MonitoringConfig, private readonly deps: DispatchDeps) {}

  raise(draft: AlertDraft): void {
    const p = this.handle(finishAlert(draft, this.config.runbookBase)).catch((error: unknown) => {
      this.deps.logger.error({ err: error, type: draft.type }, 'alert handling failed');
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Resolves when every alert raised so far has been handled (responses, sinks, retries). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async handle(alert: Alert): Promise<void> {
    const { logger, buffer, revocations, now } = this.deps;
    let response: string | undefined;
    try {
      response = await respondTo(alert, this.config, revocations, now());
    } catch (error) {
      logger.error({ err: error, alertId: alert.id, type: alert.type }, 'automatic response failed: the store did not take the revocation');
      response = 'failed';
    }
    const final: Alert = response === undefined ? alert : { ...alert, response };
    logger.warn({ alert: final }, `alert: ${final.type}`);
    buffer.add(ALERT_STREAM, final);
    await Promise.all(this.config.webhooks.map(async (sink) => {
      const result = await deliver(sink, final);
      const target = new URL(sink.url).host; // the path of a webhook URL is often its secret
      if (result.ok) logger.debug({ alertId: final.id, webhook: target, attempts: result.attempts }, 'alert delivered');
      else logger.error({ alertId: final.id, webhook: target, attempts: result.attempts, status: result.status, error: result.error }, 'alert delivery failed');
    }));
  }
}
