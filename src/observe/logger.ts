import { pino, type Logger, type DestinationStream } from 'pino';

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
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: 'gatehouse' },
    redact: { paths: [...ALWAYS_REDACTED, ...(options.redact ?? [])], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
