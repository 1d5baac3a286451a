import { createHmac, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { Alert } from './alert.js';
import type { WebhookSink } from './config.js';

/**
 * Webhook delivery of alerts. The body is signed with HMAC-SHA256 over `<timestamp>.<body>`
 * (the scheme Stripe and Slack use): the receiver recomputes it with the shared secret and
 * rejects old timestamps, so a captured delivery cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'x-gatehouse-signature';
export const TIMESTAMP_HEADER = 'x-gatehouse-timestamp';

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): true when the signature matches and the timestamp is within `toleranceS`. */
export function verifySignature(secret: string, timestamp: string | undefined, body: string, signature: string | undefined, toleranceS = 300, nowMs = Date.now()): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceS) return false;
  const expected = Buffer.from(sign(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A Slack-compatible (incoming webhook) message: `text` plus a small block layout. */
export function slackPayload(alert: Alert): object {
  const text = `:rotating_light: [${alert.severity}] ${alert.type}: ${alert.summary}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `api ${alert.api}${alert.operation === undefined ? '' : ` / ${alert.operation}`} | runbook: ${alert.runbook}${alert.response === undefined ? '' : ` | response: ${alert.response}`}` }] },
    ],
  };
}

export interface DeliveryResult {
  readonly ok: boolean;
  readonly attempts: number;
  readonly status?: number;
  readonly error?: string;
}

/**
 * POSTs the alert, retrying network errors, 429 and 5xx with exponential back-off (base
 * `baseDelayMs`, doubling, with jitter). Other 4xx are final: the receiver refused it.
 */
export async function deliver(sink: WebhookSink, alert: Alert, baseDelayMs = 250): Promise<DeliveryResult> {
  const body = JSON.stringify(sink.format === 'slack' ? slackPayload(alert) : alert);
  let last: DeliveryResult = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= sink.attempts; attempt++) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'gatehouse-alerts', [TIMESTAMP_HEADER]: timestamp, 'x-gatehouse-alert-id': alert.id };
    if (sink.secret !== undefined) headers[SIGNATURE_HEADER] = sign(sink.secret, timestamp, body);
    try {
      const res = await request(sink.url, { method: 'POST', headers, body, headersTimeout: sink.timeoutMs, bodyTimeout: sink.timeoutMs });
      await res.body.dump();
      if (res.statusCode < 300) return { ok: true, attempts: attempt, status: res.statusCode };
      last = { ok: false, attempts: attempt, status: res.statusCode };
      if (res.statusCode < 500 && res.statusCode !== 429) return last;
    } catch (error) {
      last = { ok: false, attempts: attempt, error: (error as { code?: string }).code ?? (error as Error).message };
    }
    if (attempt < sink.attempts) await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
  }
  return last;
}
