import { NexusError, type ErrorKind } from '../../domain/shared/errors.js';

/**
 * The messages between the main thread and a service thread (client.ts ↔ serve.ts): calls by
 * method name with structured-cloneable arguments, answered by id.
 */
export interface Call {
  readonly id: number;
  readonly method: string;
  readonly args: readonly unknown[];
}

export type Answer = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: SerializedError };

/**
 * Calls and answers travel in batches: those made in one turn of the event loop share one
 * message, so under load a thread hop's fixed cost (a message, a wake-up) is paid once for
 * many requests, and at low load a batch is a single call sent at the end of the turn.
 */
export type ToThread = { readonly type: 'calls'; readonly calls: readonly Call[] } | { readonly type: 'close' };

export type FromThread = { readonly type: 'ready' } | { readonly type: 'failed'; readonly message: string } | { readonly type: 'answers'; readonly answers: readonly Answer[] };

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
