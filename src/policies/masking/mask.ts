import { createHmac } from 'node:crypto';
import type { MaskAction } from './config.js';

/** What a masked value becomes. `undefined` means: remove the property (`drop`). */
export function maskValue(value: unknown, action: MaskAction, hashKey: Buffer): unknown {
  if (action === 'drop') return undefined;
  if (value === null || typeof value === 'object') return action === 'redact' ? '[redacted]' : value;
  const text = String(value);
  switch (action) {
    case 'redact':
      return '[redacted]';
    case 'hash':
      return `hmac:${createHmac('sha256', hashKey).update(text).digest('base64url').slice(0, 22)}`;
    case 'last4':
      return keepEnds(text, 0, 4);
    case 'last2':
      return keepEnds(text, 0, 2);
    case 'first2last2':
      return keepEnds(text, 2, 2);
  }
}

/** Masks all but the first `head` and last `tail` alphanumerics; a short value is masked whole. */
function keepEnds(text: string, head: number, tail: number): string {
  if (text.length <= (head + tail) * 2) return '*'.repeat(text.length);
  return text.slice(0, head) + '*'.repeat(text.length - head - tail) + text.slice(text.length - tail);
}
