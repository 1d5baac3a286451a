import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRaw } from '../abuse/raw.js';
import { requestBytes, shopSpec, startDiffGateway, startRecorder, type DiffGateway, type Received, type Recorder } from './harness.js';
import { LATIN1_QUERY_READERS, multimapOf, sameMultimap, UTF8_QUERY_READERS, type QueryReader } from './readers.js';

/*
 * Query strings and form bodies: decoded in the API's charset as its upstream decodes them;
 * well-formed bytes that are not text in that charset and malformed escapes refused with codes
 * of their own; repeated scalars and `;` separators refused.
 */

let recorder: Recorder;
let gw: DiffGateway;

beforeAll(async () => {
  recorder = await startRecorder();
  const upstream = `upstream: { url: "${recorder.url}", timeout: 2s }`;
  gw = await startDiffGateway([
    `  - { name: shop, spec: ${shopSpec}, basePath: /api, ${upstream} }`,
    `  - { name: tienda, spec: ${shopSpec}, basePath: /tienda, charset: iso-8859-1, ${upstream} }`,
    `  - { name: boutique, spec: ${shopSpec}, basePath: /boutique, charset: windows-1252, ${upstream} }`,
    `  - { name: bare, spec: ${shopSpec}, basePath: /bare, ${upstream}, policies: { contract: { mode: off } } }`,
  ].join('\n'));
});
afterAll(async () => {
  await gw.close();
  await recorder.close();
});
beforeEach(() => { recorder.received.length = 0; });

interface Answer { status: number; code: string | undefined; received: Received | undefined }

async function send(method: string, target: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
  const answer = await sendRaw(gw.url, requestBytes(method, target, headers, body));
  const code = answer.status >= 400 ? (JSON.parse(answer.body) as { code?: string }).code : undefined;
  return { status: answer.status, code, received: recorder.received[0] };
}

const form = (text: string | Buffer, type = 'application/x-www-form-urlencoded'): [Record<string, string>, Buffer] =>
  [{ 'Content-Type': type }, typeof text === 'string' ? Buffer.from(text, 'latin1') : text];

/** Every reader of the API's charset reads from the forwarded text what the gateway validated. */
function expectSameReading(text: string, validated: unknown, readers: readonly QueryReader[]): void {
  for (const reader of readers) expect(sameMultimap(reader.read(text), multimapOf(validated)), reader.name).toBe(true);
}

const queryOf = (received: Received | undefined): string => received?.target.split('?')[1] ?? '';
const idOf = (received: Received | undefined): string => String(received?.headers['x-request-id']);

describe('query strings: percent-encoding decoded in the API\'s charset', () => {
  it('a Latin-1 query to a UTF-8 API is refused with a code that says so, not as malformed', async () => {
    expect(await send('GET', '/api/search?nombre=H%E9ctor')).toMatchObject({ status: 400, code: 'GH_REQUEST_CHARSET_INVALID', received: undefined });
    // The twin, in UTF-8, passes; every UTF-8 reader reads what was validated.
    const twin = await send('GET', '/api/search?nombre=H%C3%A9ctor');
    expect(twin.status).toBe(200);
    const validated = gw.validated.get(idOf(twin.received));
    expect(validated?.query).toEqual({ nombre: 'Héctor' });
    expectSameReading(queryOf(twin.received), validated?.query, UTF8_QUERY_READERS);
  });

  it('an API with charset: iso-8859-1 takes the web shop\'s Latin-1 traffic and reads it as its upstream does', async () => {
    const latin = await send('GET', '/tienda/search?nombre=H%E9ctor&q=caf%E9+cr%E8me');
    expect(latin.status).toBe(200);
    expect(latin.received?.target).toBe('/tienda/search?nombre=H%E9ctor&q=caf%E9+cr%E8me');
    const validated = gw.validated.get(idOf(latin.received));
    expect(validated?.query).toEqual({ nombre: 'Héctor', q: 'café crème' });
    expectSameReading(queryOf(latin.received), validated?.query, LATIN1_QUERY_READERS);
  });

  it('windows-1252 reads 0x80-0x9F as its own characters and refuses the bytes it leaves undefined', async () => {
    const euro = await send('GET', '/boutique/search?q=%80uro+%93quoted%94');
    expect(euro.status).toBe(200);
    expect(gw.validated.get(idOf(euro.received))?.query).toEqual({ q: '€uro \u201cquoted\u201d' });
    recorder.received.length = 0;
    expect(await send('GET', '/boutique/search?q=%81')).toMatchObject({ status: 400, code: 'GH_REQUEST_CHARSET_INVALID', received: undefined });
  });

  it.each(['/api/search?q=%G1', '/api/search?q=%2', '/tienda/search?q=100%', '/bare/search?q=%zz'])('malformed percent-encoding keeps its own code: %s', async (target) => {
    expect(await send('GET', target)).toMatchObject({ status: 400, code: 'GH_REQUEST_ENCODING_MALFORMED', received: undefined });
  });
});

describe('query strings: one value per name, one separator', () => {
  it('a repeated scalar parameter is refused; a repeated array parameter passes', async () => {
    expect(await send('GET', '/api/users/1?role=user&role=admin')).toMatchObject({ status: 400, code: 'GH_CONTRACT_PARAMETER_INVALID', received: undefined });
    const twin = await send('GET', '/api/users/1?tag=a&tag=b&role=guest');
    expect(twin.status).toBe(200);
    expectSameReading(queryOf(twin.received), gw.validated.get(idOf(twin.received))?.query, UTF8_QUERY_READERS);
  });

  it('a repeated key of an exploded object parameter is refused (it was dropped from validation)', async () => {
    expect(await send('GET', '/api/search?lat=1&lat=2&lng=3')).toMatchObject({ status: 400, code: 'GH_CONTRACT_PARAMETER_INVALID', received: undefined });
    expect((await send('GET', '/api/search?lat=1&lng=2')).status).toBe(200);
  });

  it.each(['/api/users/1?role=guest;role=admin', '/bare/users/1?role=guest;role=admin', '/api/search?q=a;b'])('";" is refused, contract or not: %s', async (target) => {
    expect(await send('GET', target)).toMatchObject({ status: 400, code: 'GH_REQUEST_AMBIGUOUS', received: undefined });
  });

  it('the twin: an encoded ";" is data', async () => {
    const twin = await send('GET', '/api/search?q=a%3Bb');
    expect(twin.status).toBe(200);
    expect(gw.validated.get(idOf(twin.received))?.query).toEqual({ q: 'a;b' });
    expectSameReading(queryOf(twin.received), { q: 'a;b' }, UTF8_QUERY_READERS);
  });
});

describe('form bodies', () => {
  it('a repeated field is refused unless its schema is an array', async () => {
    expect(await send('POST', '/api/forms', ...form('note=a&note=b'))).toMatchObject({ status: 400, code: 'GH_CONTRACT_BODY_INVALID', received: undefined });
    expect(await send('POST', '/api/forms', ...form('role=user&role=guest'))).toMatchObject({ status: 400, code: 'GH_CONTRACT_BODY_INVALID', received: undefined });
    const twin = await send('POST', '/api/forms', ...form('tags=a&tags=b&role=guest'));
    expect(twin.status).toBe(201);
    expectSameReading(twin.received?.body.toString('utf8') ?? '', gw.validated.get(idOf(twin.received))?.body, UTF8_QUERY_READERS);
  });

  it('";" in a form body is refused', async () => {
    expect(await send('POST', '/api/forms', ...form('role=guest;role=admin'))).toMatchObject({ status: 400, code: 'GH_REQUEST_AMBIGUOUS', received: undefined });
  });

  it('Latin-1 form bodies are refused by a UTF-8 API with a charset code, and read by a Latin-1 API', async () => {
    expect(await send('POST', '/api/forms', ...form('nombre=H%E9ctor'))).toMatchObject({ status: 400, code: 'GH_REQUEST_CHARSET_INVALID', received: undefined });
    expect(await send('POST', '/api/forms', ...form(Buffer.from('nombre=H\u00e9ctor', 'latin1')))).toMatchObject({ status: 400, code: 'GH_REQUEST_CHARSET_INVALID', received: undefined });
    for (const body of ['nombre=H%E9ctor', 'nombre=H\u00e9ctor']) {
      recorder.received.length = 0;
      const latin = await send('POST', '/tienda/forms', ...form(Buffer.from(body, 'latin1')));
      expect(latin.status).toBe(201);
      const validated = gw.validated.get(idOf(latin.received));
      expect(validated?.body).toEqual({ nombre: 'Héctor' });
      expectSameReading(latin.received?.body.toString('latin1') ?? '', validated?.body, LATIN1_QUERY_READERS);
    }
  });

  it('a form body whose declared charset is not the API\'s is refused with 415', async () => {
    expect(await send('POST', '/tienda/forms', ...form('nombre=H%C3%A9ctor', 'application/x-www-form-urlencoded; charset=utf-8'))).toMatchObject({ status: 415, received: undefined });
    expect((await send('POST', '/tienda/forms', ...form('nombre=H%E9ctor', 'application/x-www-form-urlencoded; charset=ISO-8859-1'))).status).toBe(201);
  });
});
