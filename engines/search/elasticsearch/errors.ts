import { errors } from '@elastic/elasticsearch';
import { z } from 'zod';
import { SearchIndexNotFoundError, SearchQueryError, SearchUnavailableError } from '../port.js';

/**
 * Elasticsearch client errors become the port's typed errors in this one place:
 * no connection / timeout / 5xx / 429 → SearchUnavailableError (retry later);
 * index_not_found → SearchIndexNotFoundError; any other 4xx → SearchQueryError carrying
 * the engine's reason (never its stack or request body).
 */

const Cause = z.object({ type: z.string(), reason: z.string().nullish(), index: z.string().optional() });
const ErrorBody = z.object({
  error: Cause.extend({ root_cause: z.array(Cause).optional(), caused_by: Cause.optional() }),
});

export interface EngineError {
  readonly type: string;
  readonly reason: string;
  readonly index?: string;
}

/** The most specific reason Elasticsearch gave ("failed to create query" hides the real one in caused_by). */
export function describeEngineError(body: unknown): EngineError | null {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return null;
  const { error } = parsed.data;
  const specific = error.caused_by ?? error.root_cause?.[0] ?? error;
  return { type: specific.type, reason: specific.reason ?? error.reason ?? error.type, index: error.index ?? specific.index };
}

export function errorForStatus(operation: string, status: number, cause: EngineError | null, target?: string): Error {
  if (status === 404 && (cause?.type === 'index_not_found_exception' || cause === null)) return new SearchIndexNotFoundError(cause?.index ?? target ?? 'unknown');
  if (status >= 500 || status === 429 || status === 408) return new SearchUnavailableError(operation, 'server', { detail: `HTTP ${status}${cause ? ` ${cause.type}: ${cause.reason}` : ''}` });
  return new SearchQueryError(`Elasticsearch refused the ${operation}${cause ? `: ${cause.type}: ${cause.reason}` : ` (HTTP ${status})`}`);
}

export function toSearchError(operation: string, error: unknown, target?: string): unknown {
  if (error instanceof SearchUnavailableError || error instanceof SearchQueryError || error instanceof SearchIndexNotFoundError) return error;
  if (error instanceof errors.TimeoutError) return new SearchUnavailableError(operation, 'timeout', { cause: error });
  if (error instanceof errors.ConnectionError || error instanceof errors.NoLivingConnectionsError) {
    return new SearchUnavailableError(operation, 'connection', { cause: error });
  }
  if (error instanceof errors.ProductNotSupportedError) {
    return new SearchUnavailableError(operation, 'server', { cause: error, detail: 'the server does not identify itself as Elasticsearch' });
  }
  if (error instanceof errors.ResponseError) {
    const mapped = errorForStatus(operation, error.statusCode ?? 0, describeEngineError(error.body), target);
    // The client's error stays reachable for logs, not for HTTP responses.
    return Object.assign(mapped, { cause: error });
  }
  return error;
}
