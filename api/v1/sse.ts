import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { UpstreamError, type ChatCompletionChunk, type FinishReason, type Usage } from '../../engines/providers/port.js';

/** What a finished stream tells the recorder. */
export interface StreamSummary {
  readonly usage: Usage | null;
  /** Content of choice 0, concatenated (what the content hash covers). */
  readonly completion: string | null;
  readonly finishReason: FinishReason | null;
  readonly timeToFirstTokenMs: number | null;
  readonly latencyMs: number;
  /** Why the stream ended early; null when it ran to its end. */
  readonly failure: { readonly kind: 'client_closed' | UpstreamError['kind']; readonly message: string } | null;
}

export interface RelayOptions {
  readonly startedAt: number;
  /** Aborted when the client hangs up: the iteration stops and the upstream is released. */
  readonly signal: AbortSignal;
}

export interface SseOptions extends RelayOptions {
  /** The alias the client asked for: chunks name it, never the upstream model. */
  readonly alias: string;
  /** Whether the client asked for the usage chunk (the gateway always asks upstream, to bill). */
  readonly includeUsage: boolean;
}

/** One surface's server-sent-event dialect: the frames (already `event:`/`data:` framed) for each moment of a stream. */
export interface SseEncoder {
  chunk(chunk: ChatCompletionChunk): readonly string[];
  /** After the last chunk, when the stream ran to its end. */
  end(): readonly string[];
  /** Tells the client that the upstream failed mid-stream. */
  failure(error: UpstreamError): string;
}

const dataFrame = (payload: string): string => `data: ${payload}\n\n`;

const elapsed = (since: number): number => Math.max(0, Math.round(performance.now() - since));

/** The chunk as the client sees it: its alias, and usage only if it asked for it. */
function forClient(chunk: ChatCompletionChunk, options: SseOptions): ChatCompletionChunk | null {
  if (options.includeUsage) return { ...chunk, model: options.alias };
  if (chunk.choices.length === 0) return null; // the usage chunk requested for billing only
  const { usage: _billingOnly, ...rest } = chunk;
  return { ...rest, model: options.alias };
}

/** OpenAI's dialect: `data: <chunk json>`, then `data: [DONE]`; a failure is a data-only `error` object, which OpenAI SDKs raise. */
function openAiEncoder(options: SseOptions): SseEncoder {
  return {
    chunk: (chunk) => {
      const outgoing = forClient(chunk, options);
      return outgoing ? [dataFrame(JSON.stringify(outgoing))] : [];
    },
    end: () => [dataFrame('[DONE]')],
    failure: (error) => dataFrame(JSON.stringify({ error: { message: error.message, type: 'api_error', code: error.kind, param: null } })),
  };
}

/** Relays provider chunks as OpenAI server-sent events; see relayEvents. */
export function relaySse(chunks: AsyncIterable<ChatCompletionChunk>, options: SseOptions): { body: PassThrough; finished: Promise<StreamSummary> } {
  return relayEvents(chunks, openAiEncoder(options), options);
}

/**
 * Relays provider chunks in an encoder's dialect, with back-pressure, and resolves `finished`
 * with what billing needs once the stream ends, whatever the dialect. An upstream failure
 * mid-stream is sent as the encoder's failure frame, never as a normal end.
 */
export function relayEvents(chunks: AsyncIterable<ChatCompletionChunk>, encoder: SseEncoder, options: RelayOptions): { body: PassThrough; finished: Promise<StreamSummary> } {
  const body = new PassThrough();
  const write = async (frames: readonly string[]): Promise<void> => {
    if (frames.length > 0 && !body.write(frames.join(''))) await once(body, 'drain', { signal: options.signal });
  };
  const finished = (async (): Promise<StreamSummary> => {
    let usage: Usage | null = null;
    let completion: string | null = null;
    let finishReason: FinishReason | null = null;
    let firstTokenAt: number | null = null;
    let failure: StreamSummary['failure'] = null;
    try {
      for await (const chunk of chunks) {
        if (options.signal.aborted) break;
        firstTokenAt ??= elapsed(options.startedAt);
        if (chunk.usage) usage = chunk.usage;
        const first = chunk.choices.find((choice) => choice.index === 0);
        if (typeof first?.delta.content === 'string') completion = (completion ?? '') + first.delta.content;
        if (first?.finish_reason) finishReason = first.finish_reason;
        await write(encoder.chunk(chunk));
      }
      if (!options.signal.aborted) await write(encoder.end());
    } catch (error) {
      if (!options.signal.aborted && !(error instanceof UpstreamError)) throw error;
      if (error instanceof UpstreamError) {
        failure = { kind: error.kind, message: error.message };
        await write([encoder.failure(error)]).catch(() => undefined);
      }
    } finally {
      body.end();
    }
    if (options.signal.aborted && failure === null) failure = { kind: 'client_closed', message: 'the client closed the connection before the stream ended' };
    return { usage, completion, finishReason, timeToFirstTokenMs: firstTokenAt, latencyMs: elapsed(options.startedAt), failure };
  })();
  return { body, finished };
}
