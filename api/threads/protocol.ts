import { NexusError, type ErrorKind } from '../../domain/shared/errors.js';

/**
 * The messages between the main thread and a service thread (client.ts ↔ serve.ts): calls by
 * method name with structured-cloneable arguments, answered by id.
 */
export type ToThread =
  | { readonly type: 'call'; readonly id: number; readonly method: string; readonly args: readonly unknown[] }
  | { readonly type: 'close' };

export type FromThread =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

/** An error crossing the thread boundary: the domain's kind survives, so callers still tell a conflict from an engine failure. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly kind: ErrorKind | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof NexusError) return { name: error.name, message: error.message, kind: error.kind, details: structuredCloneOrEmpty(error.details) };
  if (error instanceof Error) return { name: error.name, message: error.message, kind: null, details: {} };
  return { name: 'Error', message: String(error), kind: null, details: {} };
}

export function deserializeError(serialized: SerializedError): Error {
  const error = serialized.kind === null ? new Error(serialized.message) : new NexusError(serialized.kind, serialized.message, serialized.details);
  error.name = serialized.name;
  return error;
}

function structuredCloneOrEmpty(details: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  try {
    return structuredClone(details);
  } catch {
    return {};
  }
}
