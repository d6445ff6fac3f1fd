import { pino, type Logger } from 'pino';

/** Headers that carry a credential: ours (authorization, x-api-key) and the upstreams' (Azure api-key, Gemini x-goog-api-key). */
export const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'] as const;

/**
 * Structured JSON logs. Credentials are redacted wherever they could appear, as a second
 * line of defence: request logs never include headers or bodies in the first place, and a
 * ProviderTarget's apiKey (a provider secret) is redacted at the top level and two levels down
 * (`{ target }`, `{ attempt: { target } }`). pino's paths have no recursive wildcard, so
 * anything deeper is the caller's to keep out.
 */
export const REDACTED_PATHS = [
  // `*[name]` covers `headers[name]`; `*.headers[name]` covers `req.headers[name]`, `upstream.headers[name]`.
  ...CREDENTIAL_HEADERS.flatMap((name) => [`*["${name}"]`, `*.headers["${name}"]`]),
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
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
