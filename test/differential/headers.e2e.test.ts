import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRaw } from '../abuse/raw.js';
import { requestBytes, startDiffGateway, startRecorder, type DiffGateway, type Recorder } from './harness.js';

/*
 * Headers and cookies two upstream frameworks could read differently. A repeated cookie name is
 * read first-wins by Go and Java, last-wins by Django and PHP; a header spelled with `_` is the
 * same CGI variable as its `-` spelling to WSGI, Rack and PHP. `shop`: contract and injection
 * guard enforced; `bare`: no contract, injection guard enforced with scan: all.
 */

const uploadsSpec = fileURLToPath(new URL('./fixtures/uploads.yaml', import.meta.url));
let recorder: Recorder;
let gw: DiffGateway;

beforeAll(async () => {
  recorder = await startRecorder();
  const upstream = `upstream: { url: "${recorder.url}", timeout: 2s }`;
  gw = await startDiffGateway([
    `  - { name: shop, spec: ${uploadsSpec}, basePath: /api, ${upstream}, policies: { injection: { mode: enforce } } }`,
    `  - { name: bare, spec: ${uploadsSpec}, basePath: /bare, ${upstream}, policies: { contract: { mode: off }, injection: { mode: enforce, scan: all } } }`,
  ].join('\n'));
});
afterAll(async () => {
  await gw.close();
  await recorder.close();
});
beforeEach(() => { recorder.received.length = 0; });

async function get(target: string, headers: Record<string, string>): Promise<{ status: number; code: string | undefined }> {
  const answer = await sendRaw(gw.url, requestBytes('GET', target, headers));
  const code = answer.status >= 400 ? (JSON.parse(answer.body) as { code?: string }).code : undefined;
  return { status: answer.status, code };
}

const SQLI = "x'%20OR%20'1'%3D'1'%20--";

describe('a cookie sent twice', () => {
  it('is refused where the contract validates it (its second copy was never checked)', async () => {
    expect(await get('/api/prefs', { Cookie: 'theme=light; theme=<script>' })).toEqual({ status: 400, code: 'GH_REQUEST_AMBIGUOUS' });
    expect(recorder.received).toHaveLength(0);
  });
  it('has every copy scanned by the injection guard, declared or not', async () => {
    expect(await get('/bare/prefs', { Cookie: `q=hello; q=${SQLI}` })).toEqual({ status: 400, code: 'GH_INJECTION_DETECTED' });
    expect(await get('/bare/prefs', { Cookie: `tracking=abc; tracking=${SQLI}` })).toEqual({ status: 400, code: 'GH_INJECTION_DETECTED' });
    expect(recorder.received).toHaveLength(0);
  });
  it('passes when no copy is harmful and the contract does not read it (browsers send path-scoped twins)', async () => {
    expect(await get('/api/prefs', { Cookie: 'theme=dark; sid=a1; sid=b2' })).toEqual({ status: 200, code: undefined });
    expect(await get('/bare/prefs', { Cookie: 'q=hello; q=world' })).toEqual({ status: 200, code: undefined });
    expect(recorder.received.map((r) => r.headers.cookie)).toEqual(['theme=dark; sid=a1; sid=b2', 'q=hello; q=world']);
  });
});

describe('headers that carry the client address never come from the client', () => {
  const spoofed = {
    X_Forwarded_For: '10.0.0.1', 'X-Forwarded_For': '10.0.0.2', 'X-Real-IP': '10.0.0.3', X_Real_IP: '10.0.0.4',
    'True-Client-IP': '10.0.0.5', 'X-Client-IP': '10.0.0.6', 'CF-Connecting-IP': '10.0.0.7', X_Request_Id: 'forged',
    Forwarded: 'for=10.0.0.8',
  };
  for (const base of ['/api', '/bare']) {
    it(`${base}: every spelling is dropped and the gateway's own X-Forwarded-For is the only address`, async () => {
      expect(await get(`${base}/prefs`, spoofed)).toEqual({ status: 200, code: undefined });
      const headers = recorder.received[0]?.headers ?? {};
      const sent = JSON.stringify(headers);
      for (const value of Object.values(spoofed)) expect(sent).not.toContain(value);
      expect(headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(Object.keys(headers).filter((h) => h.includes('_'))).toEqual([]);
    });
  }
  it('leaves other underscore headers alone', async () => {
    expect(await get('/api/prefs', { X_Custom_Trace: 'abc' })).toEqual({ status: 200, code: undefined });
    expect(recorder.received[0]?.headers.x_custom_trace).toBe('abc');
  });
});
