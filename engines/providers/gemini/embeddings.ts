/**
 * Canonical embeddings ↔ Gemini `batchEmbedContents`. Gemini reports no token usage for
 * embeddings, so usage is zero; token-array inputs cannot be expressed and are refused.
 */
import { adapterError, isRecord } from '../errors.js';
import type { EmbeddingsRequest, EmbeddingsResponse, ProviderTarget } from '../port.js';

export function toBatchEmbedRequest(req: EmbeddingsRequest, target: ProviderTarget, modelPath: string): Record<string, unknown> {
  const inputs = typeof req.input === 'string' ? [req.input] : req.input;
  if (!inputs.every((input): input is string => typeof input === 'string')) {
    throw adapterError(target, 'bad_request', 'gemini embeddings take text input only');
  }
  const dimensions = typeof req.dimensions === 'number' ? { outputDimensionality: req.dimensions } : {};
  return { requests: inputs.map((text) => ({ model: modelPath, content: { parts: [{ text }] }, ...dimensions })) };
}

export function toEmbeddingsResponse(json: unknown, target: ProviderTarget): EmbeddingsResponse {
  const embeddings = isRecord(json) && Array.isArray(json.embeddings) ? json.embeddings : null;
  if (!embeddings) throw adapterError(target, 'server_error', 'upstream embeddings response has no embeddings');
  return {
    object: 'list',
    data: embeddings.map((embedding, index) => ({
      object: 'embedding',
      index,
      embedding: isRecord(embedding) && Array.isArray(embedding.values) ? embedding.values.filter((v): v is number => typeof v === 'number') : [],
    })),
    model: target.upstreamModel,
    usage: { prompt_tokens: 0, total_tokens: 0 },
  };
}
