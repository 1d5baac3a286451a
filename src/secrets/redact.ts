/**
 * Masks every secret value the process has resolved, wherever it turns up in text: log lines,
 * error messages, metric labels, admin API answers, crash output. Field-path redaction (pino's
 * `redact`) misses a secret echoed inside a message or a URL; this catches it by value. The
 * base64 and URL-encoded spellings are masked too, since that is how secrets leak in headers
 * and query strings.
 */
const MASK = '[secret]';

/** Values shorter than this are not masked: masking "a" or "on" would shred every log line. */
export const MIN_MASKED_LENGTH = 4;

export class Redactor {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;

  add(value: string): void {
    if (value.length < MIN_MASKED_LENGTH) return;
    for (const form of [value, encodeURIComponent(value), Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')]) {
      if (!this.#values.has(form)) {
        this.#values.add(form);
        this.#pattern = undefined;
      }
    }
  }

  get size(): number {
    return this.#values.size;
  }

  redact(text: string): string {
    if (this.#values.size === 0) return text;
    // Longest first, so a value containing another is masked whole.
    this.#pattern ??= new RegExp([...this.#values].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
    return text.replace(this.#pattern, MASK);
  }

  /** A message for an error that is safe to log or print: its message and causes, masked. */
  redactError(err: unknown): string {
    const parts: string[] = [];
    let e: unknown = err;
    for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
      parts.push(e instanceof Error ? e.message : String(e));
      e = e instanceof Error ? e.cause : undefined;
    }
    return this.redact(parts.join(': caused by: '));
  }

  /** For pino's `hooks.streamWrite`: masks each serialised log line before it is written. */
  readonly streamWrite = (line: string): string => this.redact(line);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
