/**
 * Failure scenarios shared by every fake upstream, chosen by the model name a test sends:
 *   fail-500          500 with the provider's error body
 *   fail-429          429 with `Retry-After: 7`
 *   fail-429-ms       429 with `retry-after-ms: 1500` (and `Retry-After: 2`)
 *   fail-401-echo     401 whose message echoes the credential it received (a leaky upstream)
 *   hang              never answers
 *   drop              closes the socket before sending a byte
 *   drop-after-headers     200 with event-stream headers, then closes the socket before any event
 *   stall-after-headers    200 with event-stream headers, then never sends an event
 *   flaky-429-ms-{tag}     the first request naming this model: 429 with `retry-after-ms: 50`;
 *                          every later one answers normally (a fresh tag per test)
 * The streaming `drop-mid-stream` scenario is handled by each fake's stream writer.
 */
import type { ServerResponse } from 'node:http';
import { sendJson, type RecordedRequest } from './server.js';

export type ErrorBody = (message: string, type: string) => unknown;

/** Flaky models that have already failed once (in this process, so tests use fresh tags). */
const flakyModelsFailed = new Set<string>();

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
    case 'drop-after-headers':
      acceptStream(res);
      setTimeout(() => req.socket.destroy(), 20); // let the headers reach the client first
      return true;
    case 'stall-after-headers':
      acceptStream(res);
      return true; // never send an event
    default:
      return handleFlaky(model, res, errorBody);
  }
}

function acceptStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

function handleFlaky(model: string, res: ServerResponse, errorBody: ErrorBody): boolean {
  if (!model.startsWith('flaky-429-ms-') || flakyModelsFailed.has(model)) return false;
  flakyModelsFailed.add(model);
  sendJson(res, 429, errorBody('Rate limit reached.', 'rate_limit_error'), { 'retry-after-ms': '50' });
  return true;
}
