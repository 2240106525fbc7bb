/**
 * The daemon's logger: JSON lines (pino), secrets redacted by path wherever they could
 * appear. Credentials never belong in log calls at all; redaction is the second fence.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.apiToken',
  '*.password',
  '*.secret',
  '*.privateKey',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'provisiond' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

export type { Logger };
