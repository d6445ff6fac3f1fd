import { ErrorType, isCommandError, type CurrentRevision } from '@eventstore/db-client';
import {
  ConflictError,
  NexusError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
  WrongExpectedRevisionError,
} from '../../../domain/shared/errors.js';
import type { ExpectedRevision } from '../port.js';

/**
 * Why EventStoreDB could not serve a call. 'connection', 'timeout' and 'not_leader' are
 * transient (the client reconnects, to the new leader after an election); the others need
 * an operator: credentials or ACLs ('access_denied'), a too old server ('unsupported'), or
 * an error inside the server ('server').
 */
export type EventStoreFailure = 'connection' | 'timeout' | 'not_leader' | 'access_denied' | 'unsupported' | 'server';

const TRANSIENT: ReadonlySet<EventStoreFailure> = new Set(['connection', 'timeout', 'not_leader']);

/**
 * The event store could not answer. Whether an append that failed with 'timeout' or
 * 'connection' was applied is unknown; retrying it with the same event ids is safe (the port's
 * appends are idempotent per event id). Messages never carry credentials.
 */
export class EventStoreUnavailableError extends Error {
  readonly kind = 'eventstore_unavailable' as const;
  readonly retryable: boolean;

  constructor(
    readonly operation: string,
    readonly failure: EventStoreFailure,
    /** What happened, without the "event store unavailable" preamble. */
    readonly detail: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(`event store unavailable (${failure}) during ${operation}: ${detail}`, { cause: options.cause });
    this.name = 'EventStoreUnavailableError';
    this.retryable = TRANSIENT.has(failure);
  }
}

/** An append larger than the server's maxAppendSize (a 413: the events, not the HTTP body, are too big). */
export class AppendTooLargeError extends PayloadTooLargeError {
  constructor(
    readonly streamId: string,
    limitBytes: number,
  ) {
    super(limitBytes);
    this.message = `the append to stream '${streamId}' exceeds EventStoreDB's maximum append size of ${limitBytes} bytes`;
  }
}

export interface ErrorContext {
  /** The port method, named in messages (appendToStream, readStream, subscribeToAll …). */
  readonly operation: string;
  readonly streamId?: string;
  /** The port's expected revision, so a conflict reports it in the port's own words. */
  readonly expected?: ExpectedRevision;
}

/** 'no_stream' or the revision, as WrongExpectedRevisionError and the SQLite adapter word it. */
export function describeCurrentRevision(current: CurrentRevision): string {
  return current === 'no_stream' ? 'no_stream' : current.toString();
}

/**
 * Maps an error of @eventstore/db-client to the port's typed errors (domain/shared/errors.ts)
 * or to EventStoreUnavailableError. Errors that are not the client's (our own validation,
 * already translated ones) pass through unchanged.
 */
export function translateError(error: unknown, context: ErrorContext): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (error instanceof NexusError || error instanceof EventStoreUnavailableError || !isCommandError(error)) return error;
  const unavailable = (failure: EventStoreFailure, detail = error.message) =>
    new EventStoreUnavailableError(context.operation, failure, detail || error.type, { cause: error });
  switch (error.type) {
    case ErrorType.WRONG_EXPECTED_VERSION:
      return new WrongExpectedRevisionError(
        context.streamId ?? error.streamName,
        String(context.expected ?? error.expectedVersion),
        describeCurrentRevision(error.actualVersion),
      );
    case ErrorType.STREAM_DELETED:
      return new ConflictError(`stream '${error.streamName}' was deleted in EventStoreDB (tombstoned) and can no longer be written`, {
        streamId: error.streamName,
        reason: 'stream_deleted',
      });
    case ErrorType.STREAM_NOT_FOUND:
      return new NotFoundError('stream', context.streamId ?? error.streamName);
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      return new AppendTooLargeError(context.streamId ?? 'unknown', error.maxAppendSize);
    case ErrorType.INVALID_ARGUMENT:
      return new ValidationError(`EventStoreDB refused the arguments of ${context.operation}: ${error.errorMessage || error.message}`);
    case ErrorType.NOT_LEADER:
      return unavailable('not_leader', `this node is not the leader; the leader is ${error.leader.address}:${error.leader.port}`);
    case ErrorType.UNAVAILABLE:
    case ErrorType.CANCELLED:
      return unavailable('connection');
    case ErrorType.DEADLINE_EXCEEDED:
    case ErrorType.TIMEOUT:
      return unavailable('timeout');
    case ErrorType.ACCESS_DENIED:
      return unavailable('access_denied', 'access denied: the credentials of the connection string may not do this (reading $all needs an admin)');
    case ErrorType.UNSUPPORTED:
      return unavailable('unsupported', `the server does not support ${error.feature} (needs ${error.minimumVersion} or later)`);
    default:
      return unavailable('server');
  }
}
