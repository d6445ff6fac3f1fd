/**
 * Failure scenarios shared by every fake upstream, chosen by the model name a test sends:
 *   fail-500          500 with the provider's error body
 *   fail-429          429 with `Retry-After: 7`
 *   fail-429-ms       429 with `retry-after-ms: 1500` (and `Retry-After: 2`)
 *   fail-401-echo     401 whose message echoes the credential it received (a leaky upstream)
 *   hang              never answers
 *   drop              closes the socket before sending a byte
 * The streaming `drop-mid-stream` scenario is handled by each fake's stream writer.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, type RecordedRequest } from './server.js';

export type ErrorBody = (message: string, type: string) => unknown;

export const openAiErrorBody: ErrorBody = (message, type) => ({ error: { message, type, code: null } });

function credentialOf(req: RecordedRequest): string {
  const header = req.headers.authorization ?? req.headers['x-api-key'] ?? req.headers['api-key'] ?? req.headers['x-goog-api-key'] ?? '';
  return String(header);
}

/** Handles the scenario named by `model`; returns false when the model names none. */
export function handleScenario(model: string, req: RecordedRequest, res: ServerResponse, errorBody: ErrorBody): boolean {
  switch (model) {
    case 'fail-500':
      sendJson(res, 500, errorBody('The server had an error while processing your request.', 'server_error'));
      return true;
    case 'fail-429':
      sendJson(res, 429, errorBody('Rate limit reached, slow down.', 'rate_limit_error'), { 'retry-after': '7' });
      return true;
    case 'fail-429-ms':
      sendJson(res, 429, errorBody('Rate limit reached.', 'rate_limit_error'), { 'retry-after': '2', 'retry-after-ms': '1500' });
      return true;
    case 'fail-401-echo':
      sendJson(res, 401, errorBody(`Incorrect API key provided: ${credentialOf(req)}. Check your key.`, 'authentication_error'));
      return true;
    case 'hang':
      return true; // never answer
    case 'drop':
      req.socket.destroy();
      return true;
    default:
      return false;
  }
}
