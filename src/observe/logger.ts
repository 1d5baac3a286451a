import { pino, type Logger, type DestinationStream } from 'pino';
import { Redactor } from '../secrets/redact.js';

/**
 * Paths redacted in every log line, whatever the configuration adds: credentials must never
 * reach a log even when a policy logs a request by mistake.
 */
export const ALWAYS_REDACTED = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie', 'headers["x-api-key"]',
  '*.password', '*.token', '*.secret', '*.apiKey', '*.accessToken', '*.refreshToken', '*.clientSecret',
];

export interface LoggerOptions {
  readonly level?: string;
  readonly redact?: readonly string[];
  /** Secret values masked wherever they appear in a line, whatever the field (see src/secrets). */
  readonly secretValues?: readonly string[];
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  let redactor: Redactor | undefined;
  if (options.secretValues !== undefined && options.secretValues.length > 0) {
    redactor = new Redactor();
    for (const value of options.secretValues) redactor.add(value);
  }
  const settings = {
    level: options.level ?? 'info',
    base: { service: 'gatehouse' },
    redact: { paths: [...ALWAYS_REDACTED, ...(options.redact ?? [])], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    ...(redactor === undefined ? {} : { hooks: { streamWrite: redactor.streamWrite } }),
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
