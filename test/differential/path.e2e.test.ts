import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRaw } from '../abuse/raw.js';
import { filledTemplate, requestBytes, shopSpec, startDiffGateway, startRecorder, type DiffGateway, type Recorder } from './harness.js';
import { PATH_READERS } from './readers.js';

/*
 * What is routed is what is forwarded: the path is normalised once (or refused), and every way an
 * upstream splits and decodes the forwarded path gives the segments of the operation the gateway
 * matched, filled with the values it validated.
 */

let recorder: Recorder;
let gw: DiffGateway;

beforeAll(async () => {
  recorder = await startRecorder();
  const upstream = `upstream: { url: "${recorder.url}", timeout: 2s }`;
  gw = await startDiffGateway([
    `  - { name: shop, spec: ${shopSpec}, basePath: /api, ${upstream} }`,
    `  - { name: open, spec: ${shopSpec}, basePath: /open, unmatched: passthrough, ${upstream} }`,
  ].join('\n'));
});
afterAll(async () => {
  await gw.close();
  await recorder.close();
});
beforeEach(() => { recorder.received.length = 0; });

async function get(target: string): Promise<{ status: number; code: string | undefined; forwarded: string | undefined }> {
  const answer = await sendRaw(gw.url, requestBytes('GET', target, {}));
  const code = answer.status >= 400 ? (JSON.parse(answer.body) as { code?: string }).code : undefined;
  return { status: answer.status, code, forwarded: recorder.received[0]?.target };
}

/** [sent, forwarded]: normalised, routed and forwarded in the same form. */
const normalised: [string, string, string][] = [
  ['extra leading slashes (a service reading the target as a URL takes `api` for a host)', '//api/users/1', '/api/users/1'],
  ['runs of slashes inside', '/api//users///1', '/api/users/1'],
  ['a trailing slash the operation does not declare', '/api/users/1/', '/api/users/1'],
  ['no trailing slash where the operation declares one', '/api/carts', '/api/carts/'],
  ['the declared trailing slash', '/api/carts/', '/api/carts/'],
  ['percent-encoded unreserved characters', '/api/us%65rs/%31', '/api/users/1'],
  ['lower-case hex in an escape', '/api/files/a%2a', '/api/files/a%2A'],
  ['an encoded space and UTF-8', '/api/files/a%20b%C3%A9', '/api/files/a%20b%C3%A9'],
  ['an encoded dot inside a name', '/api/files/report%2ejson', '/api/files/report.json'],
];

describe('paths are normalised once: routed and forwarded alike', () => {
  it.each(normalised)('%s: %s is forwarded as %s', async (_what, sent, forwarded) => {
    const answer = await get(sent);
    expect(answer).toMatchObject({ status: 200, forwarded });
    const received = recorder.received[0];
    const validated = gw.validated.get(String(received?.headers['x-request-id']));
    expect(validated?.template).toBeDefined();
    const expected = filledTemplate(validated?.template ?? '', validated?.pathParams);
    for (const reader of PATH_READERS) expect(reader.read(received?.target ?? ''), reader.name).toEqual(expected);
  });
});

/** [what, target, code]: refused, never forwarded. */
const refused: [string, string, string][] = [
  ['an encoded slash (one server routes a%2Fb as one segment, another as two)', '/api/files/a%2Fb', 'GH_REQUEST_AMBIGUOUS'],
  ['an encoded backslash', '/api/files/a%5Cb', 'GH_REQUEST_MALFORMED'],
  ['a path parameter a servlet container strips', '/api/files/a;b', 'GH_REQUEST_AMBIGUOUS'],
  [';jsessionid on a declared path', '/api/users/1;jsessionid=x', 'GH_REQUEST_AMBIGUOUS'],
  ['a dot-segment', '/api/files/x/../../users/1', 'GH_REQUEST_MALFORMED'],
  ['an encoded dot-segment', '/api/files/%2e%2e', 'GH_REQUEST_MALFORMED'],
  ['a double-encoded slash', '/api/files/a%252Fb', 'GH_REQUEST_MALFORMED'],
  ['escaped bytes that are not UTF-8', '/api/files/H%E9ctor', 'GH_REQUEST_CHARSET_INVALID'],
  ['malformed percent-encoding', '/api/files/%G1', 'GH_REQUEST_ENCODING_MALFORMED'],
  ['a truncated escape', '/api/files/a%2', 'GH_REQUEST_ENCODING_MALFORMED'],
];

describe('paths that cannot be read alike are refused', () => {
  it.each(refused)('%s: %s', async (_what, target, code) => {
    expect(await get(target)).toEqual({ status: 400, code, forwarded: undefined });
  });
});

describe('unmatched traffic passed through', () => {
  it('a case variant of a declared path is not passed through (a case-insensitive upstream would serve the operation)', async () => {
    for (const target of ['/open/Users/1', '/open/USERS/1', '/open/files/x/..%2F']) {
      recorder.received.length = 0;
      const answer = await get(target);
      expect(answer.status, target).toBe(400);
      expect(answer.forwarded, target).toBeUndefined();
    }
  });

  it('the twins: a declared path is routed, an undeclared one is passed through as normalised', async () => {
    expect(await get('/open/users/1')).toMatchObject({ status: 200, forwarded: '/open/users/1' });
    recorder.received.length = 0;
    expect(await get('//open/other//thing/')).toMatchObject({ status: 200, forwarded: '/open/other/thing/' });
    expect(gw.validated.get(String(recorder.received[0]?.headers['x-request-id']))?.template).toBeUndefined();
  });

  it('a path parameter is not passed through either', async () => {
    expect(await get('/open/other;x=1/thing')).toEqual({ status: 400, code: 'GH_REQUEST_AMBIGUOUS', forwarded: undefined });
  });
});
