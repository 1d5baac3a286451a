import { afterEach, describe, expect, it } from 'vitest';
import { finishAlert, type Alert } from '../../src/anomaly/alert.js';
import type { WebhookSink } from '../../src/anomaly/config.js';
import { deliver, sign, slackPayload, verifySignature } from '../../src/anomaly/webhook.js';
import { startReceiver, type Receiver } from '../inventory/receiver.js';

const SECRET = 'whsec-test-0123456789';
const alert: Alert = finishAlert({
  type: 'enumeration', severity: 'high', confidence: 0.9, ts: 1_700_000_000_000, summary: 'sub:mallory requested 50 distinct objects', api: 'shop', operation: 'getUser',
  subject: { kind: 'identity', value: 'sub:mallory', subject: 'mallory', ip: '203.0.113.9' },
  evidence: { count: 50, threshold: 50, windowMs: 60_000, sampleRequestIds: ['r1', 'r2'] },
}, 'https://docs.example.com/runbooks/');

let receiver: Receiver | undefined;
afterEach(async () => { await receiver?.close(); receiver = undefined; });

function sink(url: string, over: Partial<WebhookSink> = {}): WebhookSink {
  return { url, secret: SECRET, format: 'json', attempts: 4, timeoutMs: 2000, ...over };
}

describe('alert webhooks', () => {
  it('links the runbook page of the alert type', () => {
    expect(alert.runbook).toBe('https://docs.example.com/runbooks/enumeration.md');
  });

  it('signs the body so a receiver can verify it, and a tampered body or wrong secret fails', () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify(alert);
    const signature = sign(SECRET, ts, body);
    expect(verifySignature(SECRET, ts, body, signature)).toBe(true);
    expect(verifySignature(SECRET, ts, body.replace('mallory', 'mallorz'), signature)).toBe(false);
    expect(verifySignature('another-secret-000000', ts, body, signature)).toBe(false);
    // A delivery captured and replayed ten minutes later is refused.
    expect(verifySignature(SECRET, ts, body, signature, 300, Date.now() + 600_000)).toBe(false);
  });

  it('delivers to a real receiver that verifies the signature', async () => {
    receiver = await startReceiver(SECRET);
    const result = await deliver(sink(receiver.url), alert, 10);
    expect(result).toMatchObject({ ok: true, attempts: 1 });
    expect(receiver.alerts).toEqual([JSON.parse(JSON.stringify(alert))]);
  });

  it('retries with back-off while the receiver fails, then succeeds', async () => {
    receiver = await startReceiver(SECRET, { failFirst: 2 });
    const started = Date.now();
    const result = await deliver(sink(receiver.url), alert, 50);
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50 * 0.75 + 100 * 0.75);
    expect(receiver.alerts).toHaveLength(1);
  });

  it('does not retry a receiver that refuses the signature', async () => {
    receiver = await startReceiver('receiver-has-another-secret');
    const result = await deliver(sink(receiver.url), alert, 10);
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 401 });
    expect(receiver.rejected).toBe(1);
  });

  it('gives up after the configured attempts when nothing listens', async () => {
    const result = await deliver(sink('http://127.0.0.1:9/hook', { attempts: 2 }), alert, 10);
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(2);
  });

  it('formats a Slack-compatible payload with the runbook and no evidence ids', () => {
    const payload = slackPayload(alert) as { text: string; blocks: unknown[] };
    expect(payload.text).toContain('enumeration');
    expect(JSON.stringify(payload.blocks)).toContain('https://docs.example.com/runbooks/enumeration.md');
  });
});
