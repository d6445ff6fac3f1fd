/**
 * Canonical → OpenAI-compatible request. The canonical format is this wire format, so the
 * mapping only pins the upstream model and the stream flag; every other field, including
 * ones this gateway does not know, is forwarded unchanged.
 */
import type { ChatCompletionRequest, EmbeddingsRequest, ProviderTarget } from '../port.js';

export function toChatBody(req: ChatCompletionRequest, target: ProviderTarget, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...req, model: target.upstreamModel, stream };
  // OpenAI rejects stream_options on non-streaming calls.
  if (!stream || req.stream_options == null) delete body.stream_options;
  return body;
}

export function toEmbeddingsBody(req: EmbeddingsRequest, target: ProviderTarget): Record<string, unknown> {
  return { ...req, model: target.upstreamModel };
}
