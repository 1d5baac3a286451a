import { ERROR_CODES, type ErrorCode } from './codes.js';

/**
 * An error with a stable code. Thrown for failures of the tool itself (bad config, unreadable
 * spec, unavailable store); at request time a refusal is a `Denial` value instead.
 */
export class GatehouseError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/** A configuration file that fails validation: carries every problem at once. */
export class ConfigError extends GatehouseError {
  readonly problems: readonly ConfigProblem[];
  constructor(file: string, problems: readonly ConfigProblem[]) {
    super('GH_CONFIG_INVALID', `${file}: ${problems.length} configuration error(s)\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}

export interface ConfigProblem {
  /** Dotted path inside the config, e.g. `apis[0].upstream.url`. */
  readonly path: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? '' : `${p.file ?? ''}:${p.line}${p.column === undefined ? '' : `:${p.column}`}: `;
  return `  ${where}${p.path || '(root)'}: ${p.message}`;
}

/** An OpenAPI document that cannot be loaded. `file` and `pointer` say where. */
export class SpecError extends GatehouseError {
  /** What is wrong, without the file and pointer the message adds. */
  readonly reason: string;
  readonly file: string;
  readonly pointer: string | undefined;
  readonly line: number | undefined;
  constructor(file: string, message: string, where?: { pointer?: string; line?: number; cause?: unknown }) {
    const at = where?.line !== undefined ? `:${where.line}` : '';
    const ptr = where?.pointer !== undefined ? ` (at ${where.pointer})` : '';
    super('GH_SPEC_INVALID', `${file}${at}: ${message}${ptr}`, { cause: where?.cause });
    this.reason = message;
    this.file = file;
    this.pointer = where?.pointer;
    this.line = where?.line;
  }
}

/** A request-time refusal. Cheap: no stack trace is captured. */
export interface Denial {
  readonly code: ErrorCode;
  /** Safe, client-visible detail (never echoes secrets). */
  readonly detail?: string;
  /** Structured, client-visible problems (e.g. which parameter failed and why). */
  readonly errors?: readonly { readonly in: string; readonly name?: string; readonly pointer?: string; readonly message: string }[];
  /** Extra response headers (WWW-Authenticate, Retry-After, ...). */
  readonly headers?: Readonly<Record<string, string>>;
}

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
