import type { Charset } from '../config/types.js';
import type { Denial } from '../errors/index.js';
import { kindOf } from '../openapi/media.js';
import type { BodyKind } from '../openapi/validator-types.js';
import type { RequestContext } from './context.js';
import { findJsonAmbiguity } from './json-strict.js';
import { multipartBoundary, parseMultipart, type MultipartFields } from './multipart.js';
import { formText, isQueryFailure, parseQuery, type QueryFailure } from './query.js';

/*
 * The one parse of a request body. Every policy that reads the body (contract, injection,
 * object-level authorization, brute-force defence, inventory) reads the value made here, so they
 * all judge the same thing, and that thing is what any parser upstream reads from the bytes:
 * whatever two conforming parsers could read differently is refused (docs/policies.md, "One
 * parse, one meaning").
 */

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const NOT_UTF8: Denial = { code: 'GH_REQUEST_CHARSET_INVALID', detail: 'the body is not valid UTF-8' };
const BOM: Denial = { code: 'GH_REQUEST_AMBIGUOUS', detail: 'the body starts with a byte-order mark, which some parsers skip and others read as text' };
const NO_CONTENT_TYPE: Denial = { code: 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE', detail: 'a body needs a Content-Type' };

/**
 * Parses the body once (on the first call) and returns its problem, if any: the caller that
 * enforces refuses with it. `ctx.body` then holds the value: a JSON value, form fields, text, or
 * the raw bytes of a binary body the contract accepts as such.
 */
export function requestBodyProblem(ctx: RequestContext): Denial | undefined {
  if (!ctx.bodyParsed) parse(ctx);
  return ctx.bodyProblem;
}

/** The parsed body, or undefined when there is none or it could not be read unambiguously. */
export function requestBody(ctx: RequestContext): unknown {
  if (!ctx.bodyParsed) parse(ctx);
  return ctx.body;
}

function parse(ctx: RequestContext): void {
  ctx.bodyParsed = true;
  const raw = ctx.rawBody;
  if (raw === undefined) return;
  const header = ctx.req.headers['content-type'];
  // The contract's choice (by the declared media type) wins; without a contract, the header's.
  const chosen = ctx.bodyValidator;
  const kind: BodyKind | undefined = chosen?.kind ?? (header === undefined ? undefined : kindOf(header));
  if (kind === undefined) {
    // Some services parse a body without a type as JSON, others as form fields or not at all.
    if (raw.length > 0) ctx.bodyProblem = NO_CONTENT_TYPE;
    return;
  }
  if (kind === 'binary') {
    if (chosen !== undefined) ctx.body = raw;
    return;
  }
  const charset = ctx.api?.config.charset ?? 'utf-8';
  if (kind === 'multipart') {
    const result = multipart(raw, header ?? '', charset, chosen?.structuredField ?? NO_STRUCTURED_FIELDS);
    if (isDenial(result)) ctx.bodyProblem = result;
    else ctx.body = result.value;
    return;
  }
  const declared = header === undefined ? undefined : charsetParameter(header);
  const result = kind === 'json' ? json(raw, declared) : kind === 'form' ? form(raw, declared, charset) : text(raw, declared);
  if (isDenial(result)) ctx.bodyProblem = result;
  else ctx.body = result.value;
}

function isDenial(value: { value: unknown } | Denial): value is Denial {
  return 'code' in value;
}

const NO_STRUCTURED_FIELDS = (): boolean => false;

function multipart(raw: Buffer, header: string, charset: Charset, structured: (name: string) => boolean): { value: MultipartFields } | Denial {
  const boundary = multipartBoundary(header);
  if (typeof boundary !== 'string') return boundary;
  return parseMultipart(raw, boundary, charset, structured, (part) => json(part, undefined));
}

function json(raw: Buffer, declared: string | undefined): { value: unknown } | Denial {
  // RFC 8259 §8.1: JSON exchanged between systems is UTF-8; an upstream honouring another
  // charset parameter would read other characters from the same bytes.
  if (declared !== undefined && declared !== 'utf-8') return unsupportedCharset(declared, 'JSON is validated as UTF-8 only');
  const text = utf8(raw);
  if (typeof text !== 'string') return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    return { code: 'GH_CONTRACT_BODY_INVALID', detail: `the body is not valid JSON${position === undefined ? '' : ` (at byte ${position})`}` };
  }
  const problem = findJsonAmbiguity(text);
  if (problem !== undefined) {
    return { code: 'GH_REQUEST_AMBIGUOUS', detail: problem.detail, errors: [{ in: 'body', pointer: problem.pointer, message: problem.detail }] };
  }
  return { value };
}

function form(raw: Buffer, declared: string | undefined, charset: Charset): { value: unknown } | Denial {
  if (declared !== undefined && declared !== charset) return unsupportedCharset(declared, `this API reads form bodies as ${charset}`);
  const decoded = formText(raw, charset);
  if (typeof decoded !== 'string') return formFailure(decoded, charset);
  if (decoded.charCodeAt(0) === 0xfeff) return BOM;
  const fields = parseQuery(decoded, charset);
  return isQueryFailure(fields) ? formFailure(fields, charset) : { value: fields };
}

function text(raw: Buffer, declared: string | undefined): { value: unknown } | Denial {
  if (declared !== undefined && declared !== 'utf-8' && declared !== 'us-ascii') return unsupportedCharset(declared, 'text is validated as UTF-8 only');
  const decoded = utf8(raw);
  return typeof decoded === 'string' ? { value: decoded } : decoded;
}

function utf8(raw: Buffer): string | Denial {
  let decoded: string;
  try {
    decoded = UTF8.decode(raw);
  } catch {
    return NOT_UTF8;
  }
  return decoded.charCodeAt(0) === 0xfeff ? BOM : decoded;
}

function unsupportedCharset(declared: string, why: string): Denial {
  const shown = /^[a-z0-9._-]{1,40}$/.test(declared) ? declared : 'this charset';
  return { code: 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE', detail: `charset=${shown} cannot be validated: ${why}` };
}

/** The denial for a query string or form body that did not parse; `where` names which. */
export function queryDenial(failure: QueryFailure, where: 'query string' | 'form body', charset: Charset): Denial {
  switch (failure.failure) {
    case 'malformed':
      return { code: 'GH_REQUEST_ENCODING_MALFORMED', detail: `the ${where} has malformed percent-encoding (% must be followed by two hex digits)` };
    case 'charset':
      return { code: 'GH_REQUEST_CHARSET_INVALID', detail: `the ${where} has percent-encoded bytes that are not ${charset} text` };
    case 'separator':
      return { code: 'GH_REQUEST_AMBIGUOUS', detail: `the ${where} contains ";", which some parsers read as a separator: send it as %3B` };
  }
}

function formFailure(failure: QueryFailure, charset: Charset): Denial {
  return queryDenial(failure, 'form body', charset);
}

const CHARSET_ALIASES: Record<string, string> = {
  utf8: 'utf-8', 'utf-8': 'utf-8', 'us-ascii': 'us-ascii', ascii: 'us-ascii',
  'iso-8859-1': 'iso-8859-1', 'iso8859-1': 'iso-8859-1', iso_8859_1: 'iso-8859-1', 'iso_8859-1': 'iso-8859-1', latin1: 'iso-8859-1', l1: 'iso-8859-1',
  'windows-1252': 'windows-1252', cp1252: 'windows-1252',
};

/** The `charset` parameter of a Content-Type (lower-case, unquoted, common aliases folded). */
function charsetParameter(contentType: string): string | undefined {
  const semi = contentType.indexOf(';');
  if (semi === -1) return undefined;
  for (const part of contentType.slice(semi + 1).split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    let value = part.slice(eq + 1).trim().toLowerCase();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return Object.hasOwn(CHARSET_ALIASES, value) ? CHARSET_ALIASES[value] : value;
  }
  return undefined;
}
