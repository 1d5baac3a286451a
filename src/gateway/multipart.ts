import type { Charset } from '../config/types.js';
import type { Denial } from '../errors/index.js';

/*
 * A strict reader of multipart/form-data (RFC 7578 over RFC 2046) for the gateway's one parse.
 *
 * Written here rather than taken from busboy or formidable: those are built to accept what
 * browsers and odd clients send, and to stream it. The gateway needs the opposite: to notice
 * every place where two conforming readers could split the same bytes differently (a preamble
 * holding a fake part, bare LF line ends, padding after a delimiter, a parameter given twice,
 * backslash escapes in a quoted name, `filename*`, a transfer encoding some decode and some do
 * not) and refuse it, so the fields it validated are the fields the upstream reads. The body is
 * already in memory (bounded by maxBodyBytes); one indexOf pass per part keeps it linear.
 */

export type MultipartFields = Record<string, unknown>;

const MAX_PARTS = 1000;
const MAX_PART_HEADER_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function ambiguous(detail: string): Denial {
  return { code: 'GH_REQUEST_AMBIGUOUS', detail: `multipart body: ${detail}` };
}
function invalid(detail: string): Denial {
  return { code: 'GH_CONTRACT_BODY_INVALID', detail: `multipart body: ${detail}` };
}

// RFC 2046 §5.1.1: bcharsnospace plus space, 1 to 70 of them, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The boundary of a multipart Content-Type, or the reason there is no single one. */
export function multipartBoundary(contentType: string): string | Denial {
  const params = parameters(contentType.slice(contentType.indexOf(';') + 1), contentType.includes(';'));
  if (!(params instanceof Map)) return params;
  const boundary = params.get('boundary');
  if (boundary === undefined) return invalid('the Content-Type has no boundary parameter');
  if (!BOUNDARY.test(boundary)) return invalid('the boundary is not 1 to 70 characters RFC 2046 allows');
  return boundary;
}

/**
 * Parses `; a=b; c="d"` parameters. A parameter given twice, a quoted value with a backslash
 * (some readers unescape it, some keep it) and an RFC 2231 `name*` form are ambiguous.
 */
function parameters(text: string, present: boolean): Map<string, string> | Denial {
  const out = new Map<string, string>();
  if (!present) return out;
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === ';')) i++;
    if (i >= n) break;
    const eq = text.indexOf('=', i);
    if (eq === -1) return invalid(`a parameter without a value (${show(text.slice(i))})`);
    const name = text.slice(i, eq).trim().toLowerCase();
    if (name.endsWith('*')) return ambiguous(`the extended parameter ${show(name)} is read by some parsers and ignored by others`);
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return invalid(`a malformed parameter name ${show(name)}`);
    i = eq + 1;
    let value: string;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close === -1) return invalid(`an unterminated quoted value for ${name}`);
      value = text.slice(i + 1, close);
      if (value.includes('\\')) return ambiguous(`a backslash in the quoted ${name}, which some parsers unescape and others keep`);
      i = close + 1;
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      if (i < n && text[i] !== ';') return invalid(`text after the quoted ${name}`);
    } else {
      const semi = text.indexOf(';', i);
      value = text.slice(i, semi === -1 ? n : semi).trim();
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]*$/.test(value)) return ambiguous(`the unquoted ${name} holds characters a token cannot`);
      i = semi === -1 ? n : semi;
    }
    if (out.has(name)) return ambiguous(`the parameter ${show(name)} is given twice`);
    out.set(name, value);
  }
  return out;
}

function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** What the schema expects of a field: whether a part holding JSON should be read as JSON. */
export type JsonField = (name: string) => boolean;

/**
 * Splits the body into fields: name -> text (or an array when a name repeats). File parts give
 * their bytes as a latin1 string (one char per byte), text parts their text in `charset`.
 * A part declared `application/json` whose field the schema wants structured is parsed by
 * `parseJson`, the gateway's strict JSON reader.
 */
export function parseMultipart(
  raw: Buffer, boundary: string, charset: Charset, jsonField: JsonField,
  parseJson: (raw: Buffer) => { value: unknown } | Denial,
): { value: MultipartFields } | Denial {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  // No preamble: a reader that skips it and one that looks for the first delimiter anywhere can
  // disagree on where the first part starts. Browsers and HTTP libraries send none.
  if (raw.length < delimiter.length || !raw.subarray(0, delimiter.length).equals(delimiter)) {
    return ambiguous('the body must start with the boundary delimiter (a preamble is not accepted)');
  }
  const fields: MultipartFields = Object.create(null) as MultipartFields;
  const repeated = new Set<string>();
  let at = delimiter.length;
  for (let count = 0; ; count++) {
    // After a delimiter: CRLF opens a part, `--` closes the body. Transport padding (RFC 2046
    // allows spaces here) is skipped by some readers and not others.
    if (raw[at] === 0x2d && raw[at + 1] === 0x2d) {
      const rest = raw.subarray(at + 2);
      if (rest.length === 0 || (rest.length === 2 && rest.equals(CRLF))) break;
      return ambiguous('bytes after the closing delimiter');
    }
    if (raw[at] !== 0x0d || raw[at + 1] !== 0x0a) return ambiguous('a delimiter not followed by CRLF');
    if (count >= MAX_PARTS) return invalid(`more than ${MAX_PARTS} parts`);
    at += 2;
    // The part runs to the next `--boundary`, which must be the start of a line. Taking the first
    // occurrence anywhere (not the first after a CRLF, as RFC 2046 readers do) means a boundary
    // a lenient reader would split on can never hide inside a part the gateway read whole.
    const next = raw.indexOf(delimiter, at);
    if (next === -1) return invalid('a part without a closing delimiter');
    if (next < at + 2 || raw[next - 2] !== 0x0d || raw[next - 1] !== 0x0a) return ambiguous('the boundary inside a part, not at the start of a line');
    const region = raw.subarray(at, next - 2);
    let head = '';
    let content: Buffer;
    if (region[0] === 0x0d && region[1] === 0x0a) {
      content = region.subarray(2);
    } else {
      const end = region.indexOf(HEADER_END);
      if (end === -1 || end > MAX_PART_HEADER_BYTES) return invalid('a part whose headers do not end with a blank line');
      head = region.toString('latin1', 0, end);
      content = region.subarray(end + 4);
    }
    const part = readPart(head, content, charset, jsonField, parseJson);
    if ('code' in part) return part;
    // A repeated name becomes an array of its values, as a form body's does; the contract then
    // refuses the repeat unless the field is an array.
    const existing = fields[part.name];
    if (!(part.name in fields)) fields[part.name] = part.value;
    else if (repeated.has(part.name)) (existing as unknown[]).push(part.value);
    else {
      fields[part.name] = [existing, part.value];
      repeated.add(part.name);
    }
    at = next + delimiter.length;
  }
  return { value: fields };
}

function readPart(
  head: string, content: Buffer, charset: Charset, jsonField: JsonField,
  parseJson: (raw: Buffer) => { value: unknown } | Denial,
): { name: string; value: unknown } | Denial {
  let disposition: string | undefined;
  let type: string | undefined;
  for (const line of head === '' ? [] : head.split('\r\n')) {
    if (line.includes('\n') || line.includes('\r')) return ambiguous('a bare CR or LF in part headers');
    if (line.startsWith(' ') || line.startsWith('\t')) return ambiguous('a folded part header');
    const colon = line.indexOf(':');
    if (colon <= 0) return invalid(`a malformed part header ${show(line)}`);
    const name = line.slice(0, colon);
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return ambiguous(`a malformed part header name ${show(name)}`);
    const value = line.slice(colon + 1).trim();
    switch (name.toLowerCase()) {
      case 'content-disposition':
        if (disposition !== undefined) return ambiguous('a part with two Content-Disposition headers');
        disposition = value;
        break;
      case 'content-type':
        if (type !== undefined) return ambiguous('a part with two Content-Type headers');
        type = value;
        break;
      case 'content-transfer-encoding': {
        // RFC 7578 §4.7 deprecates it; some readers decode base64 or quoted-printable, most don't.
        const encoding = value.toLowerCase();
        if (encoding !== '7bit' && encoding !== '8bit' && encoding !== 'binary') return ambiguous(`Content-Transfer-Encoding ${show(value)}, which some readers decode and others do not`);
        break;
      }
      default:
        break;
    }
  }
  if (disposition === undefined) return invalid('a part without Content-Disposition');
  const semi = disposition.indexOf(';');
  if ((semi === -1 ? disposition : disposition.slice(0, semi)).trim().toLowerCase() !== 'form-data') return invalid('a part whose disposition is not form-data');
  const params = parameters(semi === -1 ? '' : disposition.slice(semi + 1), semi !== -1);
  if (!(params instanceof Map)) return params;
  const name = params.get('name');
  if (name === undefined) return invalid('a part without a name');
  const essence = type === undefined ? undefined : type.split(';')[0]?.trim().toLowerCase();
  if (params.has('filename')) return { name, value: content.toString('latin1') };
  if (essence === 'application/json' && jsonField(name)) {
    const parsed = parseJson(content);
    if ('code' in parsed) return parsed;
    return { name, value: parsed.value };
  }
  const declared = type === undefined ? undefined : charsetOf(type);
  if (declared !== undefined && declared !== charset && !(charset === 'utf-8' && declared === 'us-ascii')) {
    return { code: 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE', detail: `multipart body: the part ${show(name)} is in charset ${show(declared)}; this API reads text as ${charset}` };
  }
  const text = decode(content, charset);
  if (text === undefined) return { code: 'GH_REQUEST_CHARSET_INVALID', detail: `multipart body: the part ${show(name)} is not ${charset} text` };
  return { name, value: text };
}

function charsetOf(type: string): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(type);
  return m?.[1]?.toLowerCase().replace(/^utf8$/, 'utf-8').replace(/^latin1$/, 'iso-8859-1');
}

const WINDOWS_1252 = new TextDecoder('windows-1252');

function decode(content: Buffer, charset: Charset): string | undefined {
  if (charset === 'iso-8859-1') return content.toString('latin1');
  if (charset === 'windows-1252') {
    // The five bytes windows-1252 leaves undefined are read differently by different decoders.
    for (const b of content) if (b === 0x81 || b === 0x8d || b === 0x8f || b === 0x90 || b === 0x9d) return undefined;
    return WINDOWS_1252.decode(content);
  }
  try {
    const text = UTF8.decode(content);
    return text.charCodeAt(0) === 0xfeff ? undefined : text;
  } catch {
    return undefined;
  }
}
