/**
 * 3.1 webhooks and 3.x callbacks are audited too. There the API is the caller: the body it sends is
 * its output (judged as a response: secrets, limits on what clients must swallow) and the answer it
 * reads back is untrusted input (judged as a request).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { auditFile } from '../../src/audit/engine.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gh-audit-webhooks-'));
let n = 0;
async function audit(doc: unknown): Promise<{ ruleId: string; pointer: string }[]> {
  const file = path.join(dir, `w-${n++}.yaml`);
  writeFileSync(file, stringify(doc));
  return (await auditFile(file)).findings.map(({ ruleId, pointer }) => ({ ruleId, pointer }));
}

const event = (props: Record<string, unknown>): unknown => ({
  post: {
    operationId: `ev${n}`,
    requestBody: { content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: props } } } },
    responses: { '200': { description: 'ack', content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { note: { type: 'string' } } } } } } },
  },
});

describe('webhooks (3.1)', () => {
  it('a secret sent to subscribers is a finding; the same event without it is not', async () => {
    const bad = await audit({ openapi: '3.1.0', info: { title: 't', version: '1' }, webhooks: { orderPaid: event({ signing_secret: { type: 'string', maxLength: 64 } }) } });
    expect(bad).toContainEqual({ ruleId: 'GH-DATA-001', pointer: '/webhooks/orderPaid/post/requestBody/content/application~1json/schema/properties/signing_secret' });
    const good = await audit({ openapi: '3.1.0', info: { title: 't', version: '1' }, webhooks: { orderPaid: event({ order_id: { type: 'string', maxLength: 64 } }) } });
    expect(good.filter((f) => f.ruleId === 'GH-DATA-001')).toEqual([]);
  });

  it('what the API sends is judged as output and what the subscriber answers as input', async () => {
    const fs = await audit({ openapi: '3.1.0', info: { title: 't', version: '1' }, webhooks: { orderPaid: event({ comment: { type: 'string' } }) } });
    const at = (ptr: string): string[] => fs.filter((f) => f.pointer === ptr).map((f) => f.ruleId);
    expect(at('/webhooks/orderPaid/post/requestBody/content/application~1json/schema/properties/comment')).toEqual(['GH-RESP-007']);
    expect(at('/webhooks/orderPaid/post/responses/200/content/application~1json/schema/properties/note')).toEqual(['GH-INPUT-001']);
  });
});

describe('callbacks (3.x)', () => {
  it('a callback that sends a token to the client\'s URL is a finding; one that does not is not', async () => {
    const doc = (props: Record<string, unknown>): unknown => ({
      openapi: '3.0.3', info: { title: 't', version: '1' },
      paths: { '/subscriptions': { post: {
        operationId: 'subscribe', responses: { '201': { description: 'ok' } },
        callbacks: { onEvent: { '{$request.body#/callbackUrl}': event(props) } },
      } } },
    });
    const bad = await audit(doc({ access_token: { type: 'string', maxLength: 200 } }));
    expect(bad).toContainEqual({ ruleId: 'GH-DATA-001', pointer: '/paths/~1subscriptions/post/callbacks/onEvent/{$request.body#~1callbackUrl}/post/requestBody/content/application~1json/schema/properties/access_token' });
    const good = await audit(doc({ event_id: { type: 'string', maxLength: 200 } }));
    expect(good.filter((f) => f.ruleId === 'GH-DATA-001')).toEqual([]);
  });
});
