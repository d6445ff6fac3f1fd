import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs. Credentials are redacted wherever they could appear, as a second
 * line of defence: request logs never include headers or bodies in the first place.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.authorization',
  '*.apiKey',
  '*.key',
  '*.plaintext',
  '*.token',
  '*.adminToken',
  '*.password',
  '*.secret',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'nexusai' } };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
