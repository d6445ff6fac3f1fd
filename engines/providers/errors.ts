/**
 * Pure helpers that turn what an upstream said into an UpstreamError's fields.
 * Kept apart from http.ts so they can be tested without sockets.
 */
import { UpstreamError, type ProviderTarget, type UpstreamErrorKind } from './port.js';

const MAX_UPSTREAM_MESSAGE = 500;
const REDACTED = '[redacted]';

/** HTTP status → kind. Anything unlisted in 4xx is the request's fault, in 5xx the server's. */
const KIND_BY_STATUS: Readonly<Record<number, UpstreamErrorKind>> = {
  401: 'auth',
  403: 'auth',
  404: 'not_found',
  408: 'timeout',
  429: 'rate_limited',
};

export function kindForStatus(status: number): UpstreamErrorKind {
  return KIND_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'bad_request');
}

type HeaderValue = string | string[] | undefined;

function firstHeader(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Retry delay the upstream asked for: `retry-after-ms` (OpenAI, Azure) wins over
 * `Retry-After`, which is either delta-seconds or an HTTP date. Null when absent or
 * unreadable; never negative.
 */
export function parseRetryAfterMs(headers: Readonly<Record<string, HeaderValue>>, now: number = Date.now()): number | null {
  const ms = firstHeader(headers['retry-after-ms']);
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  const value = firstHeader(headers['retry-after'])?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Makes an upstream's text safe to show: redacts the deployment's key and any sizeable
 * fragment of it (upstreams echo masked keys such as `sk-abc…wxyz`), redacts bearer
 * tokens and common key shapes, collapses whitespace, and truncates.
 */
export function sanitizeUpstreamMessage(raw: string, secrets: readonly (string | null)[]): string {
  let text = raw;
  for (const secret of secrets) {
    if (!secret) continue;
    text = text.split(secret).join(REDACTED);
    text = text.replace(/[A-Za-z0-9_\-.]{6,}/g, (token) => (secret.includes(token) ? REDACTED : token));
  }
  text = text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`)
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g, REDACTED)
    .replace(/\bAIza[0-9A-Za-z_-]{20,}/g, REDACTED)
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_UPSTREAM_MESSAGE ? `${text.slice(0, MAX_UPSTREAM_MESSAGE)}…` : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The human message inside an error body. OpenAI, Azure, Anthropic and Gemini all use
 * `{ error: { message } }`; some OpenAI-compatible servers use `{ error: "…" }` or
 * `{ message }` or `{ detail }`. Falls back to the raw text.
 */
export function extractErrorMessage(bodyText: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return bodyText;
  }
  if (!isRecord(parsed)) return bodyText;
  const { error } = parsed;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  for (const candidate of [error, parsed.message, parsed.detail]) {
    if (typeof candidate === 'string') return candidate;
  }
  return bodyText;
}

/** An error built from a non-2xx response. */
export function errorFromResponse(
  target: ProviderTarget,
  status: number,
  headers: Readonly<Record<string, HeaderValue>>,
  bodyText: string,
): UpstreamError {
  return new UpstreamError({
    kind: kindForStatus(status),
    status,
    retryAfterMs: parseRetryAfterMs(headers),
    deploymentId: target.deploymentId,
    upstreamMessage: sanitizeUpstreamMessage(extractErrorMessage(bodyText), [target.apiKey]),
  });
}

/** An error the adapter raises itself (bad payload, unsupported option); text is ours. */
export function adapterError(target: ProviderTarget, kind: UpstreamErrorKind, message: string): UpstreamError {
  return new UpstreamError({ kind, deploymentId: target.deploymentId, upstreamMessage: sanitizeUpstreamMessage(message, [target.apiKey]) });
}
