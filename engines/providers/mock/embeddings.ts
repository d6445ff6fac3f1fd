/**
 * Deterministic embeddings: each input maps to a unit vector derived from SHA-256 of its
 * text, so equal inputs embed equally and different inputs (almost surely) differ.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../port.js';
import { countTokens } from './behaviour.js';

export const MOCK_EMBEDDING_DIMENSIONS = 64;

export function unitVector(text: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) values.push(digest.readUInt16BE(i) / 32767.5 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((value) => value / norm);
}

function inputsOf(input: EmbeddingsRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && input.every((item) => typeof item === 'number')) return [input.join(' ')];
  return input.map((item) => (typeof item === 'string' ? item : Array.isArray(item) ? item.join(' ') : String(item)));
}

function encode(vector: number[], format: EmbeddingsRequest['encoding_format']): number[] | string {
  if (format !== 'base64') return vector;
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export function mockEmbeddings(req: EmbeddingsRequest, model: string): EmbeddingsResponse {
  const inputs = inputsOf(req.input);
  const dimensions = typeof req.dimensions === 'number' && req.dimensions > 0 ? req.dimensions : MOCK_EMBEDDING_DIMENSIONS;
  const tokens = inputs.reduce((sum, text) => sum + Math.max(1, countTokens(text)), 0);
  return {
    object: 'list',
    data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: encode(unitVector(text, dimensions), req.encoding_format) })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
