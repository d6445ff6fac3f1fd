import { NexusError, type ErrorKind } from '../../../domain/shared/errors.js';
import type { Config } from '../../config.js';
import type { Rejection } from './record.js';
import type { OutcomeRecord } from './recorder.js';

/** What the recorder thread is started with. */
export interface RecorderWorkerData {
  /** The process's configuration: the thread opens the same event store (file or server). */
  readonly config: Config;
}

export type ToRecorder =
  | { readonly type: 'outcome'; readonly id: number; readonly record: OutcomeRecord }
  | { readonly type: 'rejection'; readonly id: number; readonly rejection: Rejection; readonly now: Date }
  | { readonly type: 'close' };

export type FromRecorder =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly error: SerializedError | null };

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
