import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRaw } from '../abuse/raw.js';
import { requestBytes, shopSpec, startDiffGateway, startRecorder, type DiffGateway, type Recorder } from './harness.js';
import { JSON_READERS, sameReading } from './readers.js';

/*
 * JSON bodies two parsers could read differently are refused before any policy reads them, so
 * the value the contract and the injection guard judge is the value every upstream parser reads.
 * `shop`: contract and injection guard enforced. `monitored`: contract in monitor mode, injection
 * guard enforced (the guard must not see another value than the upstream). `bare`: no contract,
 * injection guard enforced.
 */

let recorder: Recorder;
let gw: DiffGateway;

beforeAll(async () => {
  recorder = await startRecorder();
  const upstream = `upstream: { url: "${recorder.url}", timeout: 2s }`;
  gw = await startDiffGateway([
    `  - { name: shop, spec: ${shopSpec}, basePath: /api, ${upstream}, policies: { injection: { mode: enforce } } }`,
    `  - { name: monitored, spec: ${shopSpec}, basePath: /monitored, ${upstream}, policies: { contract: { mode: monitor }, injection: { mode: enforce } } }`,
    `  - { name: bare, spec: ${shopSpec}, basePath: /bare, ${upstream}, policies: { contract: { mode: off }, injection: { mode: enforce } } }`,
  ].join('\n'));
});
afterAll(async () => {
  await gw.close();
  await recorder.close();
});
beforeEach(() => { recorder.received.length = 0; });

async function post(base: string, body: Buffer | string, contentType: string | null = 'application/json'): Promise<{ status: number; code: string | undefined }> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const answer = await sendRaw(gw.url, requestBytes('POST', `${base}/users`, contentType === null ? {} : { 'Content-Type': contentType }, bytes));
  const code = answer.status >= 400 ? (JSON.parse(answer.body) as { code?: string }).code : undefined;
  return { status: answer.status, code };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** [what, body]: each is refused 400 GH_REQUEST_AMBIGUOUS (or the code given) and never forwarded. */
const attacks: [string, Buffer | string, string?][] = [
  ['a repeated member name', '{"email":123,"email":"a@b.co"}'],
  ['an SQL injection hidden in the first of two names (JSON.parse keeps the last)', `{"email":"a@b.co","name":"x' OR '1'='1' --","name":"Robert"}`],
  ['a repeated name in a nested object', '{"email":"a@b.co","address":{"city":"Paris","city":"Lyon"}}'],
  ['a repeated name written with an escape', '{"email":"a@b.co","n\\u0061me":"x","name":"y"}'],
  ['a UTF-8 byte-order mark', Buffer.concat([BOM, Buffer.from('{"email":"a@b.co"}')])],
  ['invalid UTF-8', Buffer.from([...Buffer.from('{"email":"a@b.co","name":"'), 0xff, ...Buffer.from('"}')]), 'GH_REQUEST_CHARSET_INVALID'],
  ['an overlong UTF-8 encoding of "/"', Buffer.from([...Buffer.from('{"email":"a@b.co","name":"'), 0xc0, 0xaf, ...Buffer.from('"}')]), 'GH_REQUEST_CHARSET_INVALID'],
  ['an escaped lone surrogate', '{"email":"a@b.co","name":"\\ud800"}'],
  ['an integer a double rounds (read exactly by Python, Go, Java)', '{"email":"a@b.co","ref":9007199254740993}'],
  ['a number past a double\'s precision that a decimal reader finds over the maximum', '{"email":"a@b.co","balance":1000000.0000000000000001}'],
  ['an integer field given 150.00000000000001 (150 to a double, over the maximum and not an integer to others)', '{"email":"a@b.co","age":150.00000000000001}'],
  ['1e-400 where an integer is required (0 to a double)', '{"email":"a@b.co","age":1e-400}'],
  ['1e400', '{"email":"a@b.co","ref":1e400}'],
  ['-0 as an integer', '{"email":"a@b.co","age":-0}'],
];

/** Legitimate twins: forwarded byte for byte, and every reader reads what the gateway validated. */
const twins: [string, string][] = [
  ['a plain body', '{"email":"a@b.co","name":"Robert","age":42,"balance":749.5}'],
  ['the same name in sibling objects and repeated array values', '{"email":"a@b.co","address":{"city":"Paris"},"ref":{"city":"Lyon"},"tags":["a","a"]}'],
  ['an escaped surrogate pair and raw UTF-8', '{"email":"a@b.co","name":"\\ud83d\\ude00 H\u00e9ctor \u{1f600}"}'],
  ['numbers a double holds as written', '{"email":"a@b.co","ref":[9007199254740991,-9007199254740991,0.1,1e300,2.5e-3,-0.0,0],"balance":0.30000000000000004}'],
  ['an escaped name that is not repeated', '{"email":"a@b.co","n\\u0061me":"x"}'],
];

describe('JSON bodies two parsers could read differently are refused', () => {
  for (const base of ['/api', '/monitored', '/bare']) {
    it.each(attacks)(`${base}: %s`, async (_what, body, code = 'GH_REQUEST_AMBIGUOUS') => {
      const answer = await post(base, body);
      expect(answer).toEqual({ status: 400, code });
      expect(recorder.received).toHaveLength(0);
    });
  }
});

describe('the legitimate twins pass, and every upstream reads what the gateway validated', () => {
  for (const base of ['/api', '/monitored', '/bare']) {
    it.each(twins)(`${base}: %s`, async (_what, body) => {
      const answer = await post(base, body);
      expect(answer.status).toBe(201);
      expect(recorder.received).toHaveLength(1);
      const received = recorder.received[0];
      expect(received?.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
      const validated = gw.validated.get(String(received?.headers['x-request-id']));
      expect(validated?.body).toBeDefined();
      for (const reader of JSON_READERS) expect(sameReading(validated?.body, reader.read(received?.body ?? Buffer.alloc(0))), reader.name).toBe(true);
    });
  }
});

describe('a body the gateway cannot validate is never forwarded unvalidated: 415', () => {
  const cases: [string, string | null][] = [
    ['a JSON body declared as UTF-16', 'application/json; charset=utf-16'],
    ['a JSON body declared as Latin-1', 'application/json; charset="ISO-8859-1"'],
    ['text/json, a type the operation does not declare', 'text/json'],
    ['a JSON body with no content type', null],
  ];
  it.each(cases)('%s (contract enforced)', async (_what, type) => {
    expect(await post('/api', '{"email":"a@b.co"}', type)).toEqual({ status: 415, code: 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE' });
    expect(recorder.received).toHaveLength(0);
  });

  it.each(cases.filter(([, type]) => type !== 'text/json'))('%s (no contract, the injection guard reads bodies)', async (_what, type) => {
    expect(await post('/bare', `{"email":"a@b.co","name":"x' OR '1'='1' --"}`, type)).toEqual({ status: 415, code: 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE' });
    expect(recorder.received).toHaveLength(0);
  });

  it.each(['application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json'])('the twin: %s passes', async (type) => {
    expect((await post('/api', '{"email":"a@b.co"}', type)).status).toBe(201);
    expect(recorder.received).toHaveLength(1);
  });

  it('the injection guard without a contract still refuses what it reads in the one parse', async () => {
    expect(await post('/bare', `{"email":"a@b.co","name":"x' OR '1'='1' --"}`)).toEqual({ status: 400, code: 'GH_INJECTION_DETECTED' });
    expect(recorder.received).toHaveLength(0);
  });
});
