import type { Denial } from '../../errors/index.js';
import { parseQuery } from '../../gateway/query.js';
import type { BodyKind } from '../../openapi/validator-types.js';

export type ParsedBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly denial: Denial };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a request body for validation. Text must be valid UTF-8 (RFC 8259 §8.1 for JSON): an
 * invalid byte sequence is refused, never replaced, so the gateway and the upstream cannot read
 * different strings from the same bytes.
 */
export function parseBody(kind: BodyKind, raw: Buffer): ParsedBody {
  if (kind === 'binary' || kind === 'multipart') return { ok: true, value: raw };
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    return { ok: false, denial: { code: 'GH_CONTRACT_BODY_INVALID', detail: 'the body is not valid UTF-8' } };
  }
  if (kind === 'text') return { ok: true, value: text };
  if (kind === 'form') {
    const fields = parseQuery(text);
    return fields === undefined
      ? { ok: false, denial: { code: 'GH_CONTRACT_BODY_INVALID', detail: 'the form body has malformed percent-encoding' } }
      : { ok: true, value: fields };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    return { ok: false, denial: { code: 'GH_CONTRACT_BODY_INVALID', detail: `the body is not valid JSON${position === undefined ? '' : ` (at byte ${position})`}` } };
  }
}
