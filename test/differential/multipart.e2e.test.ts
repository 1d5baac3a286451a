import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRaw } from '../abuse/raw.js';
import { requestBytes, startDiffGateway, startRecorder, type DiffGateway, type Recorder } from './harness.js';

/*
 * multipart/form-data bodies are read once, strictly, and validated against the operation's
 * schema; whatever two multipart readers could split differently is refused. Before, multipart
 * bodies were forwarded without any validation, and a schema under a `*\/*` media type was never
 * applied. `shop`: contract and injection guard enforced; `bare`: no contract, injection guard
 * enforced (the guard must not read other fields than the upstream).
 */

const uploadsSpec = fileURLToPath(new URL('./fixtures/uploads.yaml', import.meta.url));
const B = 'gh-7MA4YWxkTrZu0gW';

let recorder: Recorder;
let gw: DiffGateway;

beforeAll(async () => {
  recorder = await startRecorder();
  const upstream = `upstream: { url: "${recorder.url}", timeout: 2s }`;
  gw = await startDiffGateway([
    `  - { name: shop, spec: ${uploadsSpec}, basePath: /api, ${upstream}, policies: { injection: { mode: enforce } } }`,
    `  - { name: bare, spec: ${uploadsSpec}, basePath: /bare, ${upstream}, policies: { contract: { mode: off }, injection: { mode: enforce } } }`,
  ].join('\n'));
});
afterAll(async () => {
  await gw.close();
  await recorder.close();
});
beforeEach(() => { recorder.received.length = 0; });

interface Part { name: string; value: string | Buffer; filename?: string; type?: string; extra?: string }

function body(parts: readonly Part[], boundary = B): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `Content-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    const head = [disposition, ...(p.type === undefined ? [] : [`Content-Type: ${p.type}`]), ...(p.extra === undefined ? [] : [p.extra])].join('\r\n');
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`, 'latin1'), typeof p.value === 'string' ? Buffer.from(p.value, 'utf8') : p.value, Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x2d, 0x2d]);
const file: Part = { name: 'file', filename: 'me.png', type: 'image/png', value: PNG };

async function post(base: string, path: string, bytes: Buffer, contentType: string): Promise<{ status: number; code: string | undefined }> {
  const answer = await sendRaw(gw.url, requestBytes('POST', `${base}${path}`, { 'Content-Type': contentType }, bytes));
  const code = answer.status >= 400 ? (JSON.parse(answer.body) as { code?: string }).code : undefined;
  return { status: answer.status, code };
}
const form = `multipart/form-data; boundary=${B}`;

/*
 * Two readers the upstream might use. `lenient` reads as forgiving parsers do (a boundary
 * anywhere, LF line ends, a preamble skipped, the last of a repeated name); `rfc` as RFC 2046
 * readers do (CRLF delimiters only, the first of a repeated name).
 */
function lenient(bytes: Buffer): Record<string, string> {
  const text = bytes.toString('latin1');
  const out: Record<string, string> = {};
  for (const chunk of text.split(`--${B}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const sep = /\r?\n\r?\n/.exec(chunk);
    if (sep === null) continue;
    const name = /name="([^"]*)"/.exec(chunk.slice(0, sep.index))?.[1];
    if (name !== undefined) out[name] = chunk.slice(sep.index + sep[0].length).replace(/\r?\n$/, '');
  }
  return out;
}
function rfc(bytes: Buffer): Record<string, string> {
  const text = bytes.toString('latin1');
  const out: Record<string, string> = {};
  const parts = text.slice(text.indexOf(`--${B}\r\n`) + B.length + 4).split(`\r\n--${B}`);
  for (const chunk of parts) {
    const sep = chunk.indexOf('\r\n\r\n');
    if (sep === -1) continue;
    const name = /name="([^"]*)"/.exec(chunk.slice(0, sep))?.[1];
    if (name !== undefined && !(name in out)) out[name] = chunk.slice(sep + 4);
  }
  return out;
}

const plain = body([{ name: 'user', value: 'robert' }, { name: 'role', value: 'user' }, file]);

/** [what, body, content type, expected code]: each refused with 400 (or 415) and never forwarded. */
const attacks: [string, Buffer, string, string][] = [
  ['a preamble holding a part of its own', Buffer.concat([Buffer.from(`preamble\r\n--${B}x\r\nContent-Disposition: form-data; name="role"\r\n\r\nadmin\r\n`), plain]), form, 'GH_REQUEST_AMBIGUOUS'],
  ['LF line ends', Buffer.from(plain.toString('latin1').replaceAll('\r\n', '\n'), 'latin1'), form, 'GH_REQUEST_AMBIGUOUS'],
  ['a boundary inside a part, not at a line start', body([{ name: 'user', value: `robert--${B}\r\nContent-Disposition: form-data; name="role"\r\n\r\nadmin` }, file]), form, 'GH_REQUEST_AMBIGUOUS'],
  ['padding after a delimiter', Buffer.from(plain.toString('latin1').replace(`--${B}\r\n`, `--${B}  \r\n`), 'latin1'), form, 'GH_REQUEST_AMBIGUOUS'],
  ['a name given twice in one part', body([{ name: 'user"; name="role', value: 'robert' }, file]), form, 'GH_REQUEST_AMBIGUOUS'],
  ['a backslash escape in a quoted name', body([{ name: 'user', value: 'robert' }, { name: 'ro\\"le', value: 'editor' }, file]), form, 'GH_REQUEST_AMBIGUOUS'],
  ['filename* beside filename', body([{ name: 'user', value: 'robert' }, { ...file, filename: `me.png"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd; x="` }]), form, 'GH_REQUEST_AMBIGUOUS'],
  ['a base64 transfer encoding', body([{ name: 'user', value: 'cm9iZXJ0', extra: 'Content-Transfer-Encoding: base64' }, file]), form, 'GH_REQUEST_AMBIGUOUS'],
  ['a part after the closing delimiter', Buffer.concat([plain, Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="role"\r\n\r\nadmin\r\n--${B}--\r\n`)]), form, 'GH_REQUEST_AMBIGUOUS'],
  ['two boundary parameters', plain, `${form}; boundary=other`, 'GH_REQUEST_AMBIGUOUS'],
  ['a text part that is not UTF-8', body([{ name: 'user', value: Buffer.from([0x72, 0xe9, 0x6d, 0x69]) }, file]), form, 'GH_REQUEST_CHARSET_INVALID'],
];

/** [what, body, code]: refused by the contract (shop only, where the schema says what a field is), never forwarded. */
const contractViolations: [string, Buffer, string][] = [
  ['a repeated scalar field (role=user, then role=editor: readers keep either)', body([{ name: 'user', value: 'robert' }, { name: 'role', value: 'user' }, { name: 'role', value: 'editor' }, file]), 'GH_CONTRACT_BODY_INVALID'],
  ['a JSON part with a repeated member', body([{ name: 'user', value: 'robert' }, { name: 'meta', type: 'application/json', value: '{"caption":"hi","caption":"x\' OR 1=1 --"}' }, file]), 'GH_REQUEST_AMBIGUOUS'],
  ['a field its pattern refuses', body([{ name: 'user', value: "robert' OR '1'='1" }, file]), 'GH_CONTRACT_BODY_INVALID'],
  ['an undeclared field (mass assignment)', body([{ name: 'user', value: 'robert' }, { name: 'isAdmin', value: 'true' }, file]), 'GH_CONTRACT_UNKNOWN_FIELD'],
  ['an integer over its maximum', body([{ name: 'user', value: 'robert' }, { name: 'age', value: '151' }, file]), 'GH_CONTRACT_BODY_INVALID'],
  ['a missing required part', body([{ name: 'user', value: 'robert' }]), 'GH_CONTRACT_BODY_INVALID'],
  ['a JSON part with an undeclared member', body([{ name: 'user', value: 'robert' }, { name: 'meta', type: 'application/json', value: '{"caption":"hi","admin":true}' }, file]), 'GH_CONTRACT_UNKNOWN_FIELD'],
  ['no boundary in the Content-Type', plain, 'GH_CONTRACT_BODY_INVALID'],
];

describe('multipart bodies two readers could split differently are refused', () => {
  for (const base of ['/api', '/bare']) {
    it.each(attacks)(`${base}: %s`, async (_what, bytes, contentType, code) => {
      expect(await post(base, '/avatars', bytes, contentType)).toEqual({ status: 400, code });
      expect(recorder.received).toHaveLength(0);
    });
  }
});

describe('multipart bodies are validated against the schema', () => {
  it.each(contractViolations)('%s', async (what, bytes, code) => {
    const contentType = what.startsWith('no boundary') ? 'multipart/form-data' : form;
    const answer = await post('/api', '/avatars', bytes, contentType);
    expect(answer).toEqual({ status: 400, code });
    expect(recorder.received).toHaveLength(0);
  });
});

describe('legitimate multipart bodies pass byte for byte, and both readers read what was validated', () => {
  const twins: [string, Buffer][] = [
    ['fields and a binary file holding "--"', plain],
    ['a repeated array field, an integer and a JSON part', body([{ name: 'user', value: 'robert' }, { name: 'tags', value: 'a' }, { name: 'tags', value: 'b' }, { name: 'age', value: '42' }, { name: 'meta', type: 'application/json', value: '{"caption":"H\u00e9ctor"}' }, file])],
    ['an empty text part and a UTF-8 value', body([{ name: 'user', value: 'robert' }, { name: 'role', value: 'user' }, { name: 'meta', type: 'application/json', value: '{}' }, file])],
  ];
  it.each(twins)('%s', async (_what, bytes) => {
    const answer = await post('/api', '/avatars', bytes, form);
    expect(answer.status).toBe(201);
    expect(recorder.received).toHaveLength(1);
    const forwarded = recorder.received[0]?.body ?? Buffer.alloc(0);
    expect(forwarded.equals(bytes)).toBe(true);
    const validated = [...gw.validated.values()].at(-1)?.body as Record<string, unknown>;
    for (const reading of [lenient(forwarded), rfc(forwarded)]) {
      expect(reading.user).toBe(validated.user);
      expect(reading.file).toBe(validated.file);
    }
  });
});

describe('a schema under a wildcard media type is enforced on what arrives', () => {
  it('validates a JSON body against it (before: forwarded as opaque bytes)', async () => {
    expect(await post('/api', '/notes', Buffer.from(JSON.stringify({ text: 'x'.repeat(30) })), 'application/json')).toEqual({ status: 400, code: 'GH_CONTRACT_BODY_INVALID' });
    expect(await post('/api', '/notes', Buffer.from('{"text":"hi","admin":true}'), 'application/json')).toEqual({ status: 400, code: 'GH_CONTRACT_UNKNOWN_FIELD' });
    expect(await post('/api', '/notes', Buffer.from('{"text":"hi","text":"x"}'), 'application/json')).toEqual({ status: 400, code: 'GH_REQUEST_AMBIGUOUS' });
    expect(recorder.received).toHaveLength(0);
    expect(await post('/api', '/notes', Buffer.from('{"text":"hi"}'), 'application/json')).toEqual({ status: 201, code: undefined });
    expect(await post('/api', '/notes', Buffer.from('text=hi'), 'application/x-www-form-urlencoded')).toEqual({ status: 201, code: undefined });
    expect(recorder.received).toHaveLength(2);
  });
  it('refuses a body it cannot read as the schema wants with 415', async () => {
    expect(await post('/api', '/notes', Buffer.from([1, 2, 3]), 'application/octet-stream')).toEqual({ status: 415, code: 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE' });
    expect(recorder.received).toHaveLength(0);
  });
  it('still passes any bytes where the schema is a binary string', async () => {
    expect(await post('/api', '/blobs', PNG, 'image/png')).toEqual({ status: 201, code: undefined });
    expect(recorder.received[0]?.body.equals(PNG)).toBe(true);
  });
});
