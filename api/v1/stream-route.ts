import type { Context } from 'koa';
import type { PassThrough } from 'node:stream';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../engines/providers/port.js';
import type { RouteResult } from '../http/route.js';
import { estimatePromptTokens, requestedMaxOutputTokens } from './admission/estimate.js';
import { startChatStream, type StartedStream } from './chat.js';
import { clientGone } from './client-gone.js';
import type { Admission, AdmissionRequest } from './pipeline.js';
import type { StreamSummary } from './sse.js';

const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } as const;

/** What a chat-shaped request (OpenAI chat, Anthropic messages) asks admission for. */
export function chatAdmission(request: ChatCompletionRequest): AdmissionRequest {
  return {
    modelAlias: request.model,
    stream: request.stream === true,
    request,
    promptTokens: (upstreamModel) => estimatePromptTokens(request, upstreamModel),
    maxOutputTokens: requestedMaxOutputTokens(request),
    boundsOutput: true,
  };
}

export type Relay = (started: StartedStream, chunks: AsyncIterable<ChatCompletionChunk>, signal: AbortSignal) => { body: PassThrough; finished: Promise<StreamSummary> };

/**
 * Streams an admitted chat request in a surface's SSE dialect: starts the primed upstream
 * stream (errors before the first chunk are still HTTP errors), relays it, and concludes the
 * admission when the relay ends — after the response started, so the handler cannot wait.
 */
export async function streamRoute(admission: Admission, ctx: Context, relay: Relay): Promise<RouteResult> {
  const abort = clientGone(ctx);
  const started = await startChatStream(admission, abort.signal);
  const relayed = relay(started, started.chunks, abort.signal);
  const failed = (error: unknown): StreamSummary => ({ usage: null, completion: null, finishReason: null, timeToFirstTokenMs: null, latencyMs: admission.elapsedMs(), failure: { kind: 'server_error', message: String(error) } });
  void relayed.finished.then(started.finish, (error: unknown) => started.finish(failed(error)));
  return { body: relayed.body, headers: SSE_HEADERS };
}
