import type { Decider, DomainCommand, DomainEvent } from '../domain/shared/decider.js';
import { GENESIS_HASH, sealEvents, type CommandContext } from '../domain/shared/envelope.js';
import { ConflictError, WrongExpectedRevisionError } from '../domain/shared/errors.js';
import type { EventStore, RecordedEvent } from '../engines/eventstore/port.js';
import { currentSchemaVersion, upcast } from '../schemas/registry.js';

/**
 * The write side in one function: load the stream, fold it, decide, append with the
 * revision that was read. On a concurrency conflict the whole decision is retried on the
 * fresh state, unless the caller pinned a revision (If-Match), which turns into a 412.
 *
 * Guarantees: a decision is appended atomically or not at all; the event ids derive from
 * the command id, so retrying the same command after an acknowledged append is a no-op
 * in the store; the hash chain continues from the last stored event.
 */
export const MAX_DECISION_ATTEMPTS = 5;

export interface LoadedStream<State> {
  readonly state: State;
  /** Last revision, or -1 when the stream does not exist. */
  readonly revision: number;
  readonly lastHash: string;
}

export interface CommandOutcome<State> {
  readonly streamId: string;
  /** Revision of the stream after the command (unchanged when nothing happened). */
  readonly revision: number;
  /** Global position of the last appended event, or null when nothing was appended. */
  readonly position: number | null;
  readonly eventTypes: readonly string[];
  readonly state: State;
}

/** Turns a stored event into the domain event its evolve understands (upcast to the current schema). */
export function toDomainEvent<E extends DomainEvent>(recorded: RecordedEvent): E {
  const version = typeof recorded.metadata.schemaVersion === 'number' ? recorded.metadata.schemaVersion : 1;
  return { type: recorded.type, data: upcast(recorded.type, version, recorded.data) } as E;
}

export async function loadStream<C extends DomainCommand, E extends DomainEvent, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
): Promise<LoadedStream<S>> {
  const recorded = await store.readStream(streamId);
  let state = decider.initialState();
  for (const event of recorded) state = decider.evolve(state, toDomainEvent<E>(event));
  const last = recorded[recorded.length - 1];
  const lastHash = last && typeof last.metadata.hash === 'string' ? last.metadata.hash : GENESIS_HASH;
  return { state, revision: last ? last.revision : -1, lastHash };
}

export interface ExecuteOptions {
  /** From If-Match: the client's view of the stream. A mismatch is a 412, never retried. */
  readonly expectedRevision?: number;
  /**
   * The caller knows the stream is new (its id was just generated, e.g. a request id): the
   * first decision is taken on the initial state without reading, and appended expecting
   * no stream. Should the stream exist after all, the append fails and the command is
   * decided again on what was read, as usual. Saves a read per request on the data plane.
   */
  readonly assumeNewStream?: boolean;
}

const NEW_STREAM = <S>(initial: S): LoadedStream<S> => ({ state: initial, revision: -1, lastHash: GENESIS_HASH });

export async function executeCommand<C extends DomainCommand, E extends DomainEvent, S>(
  store: EventStore,
  streamId: string,
  decider: Decider<C, E, S>,
  command: C,
  context: CommandContext,
  options: ExecuteOptions = {},
): Promise<CommandOutcome<S>> {
  for (let attempt = 1; ; attempt++) {
    const loaded = attempt === 1 && options.assumeNewStream ? NEW_STREAM(decider.initialState()) : await loadStream(store, streamId, decider);
    if (options.expectedRevision !== undefined && options.expectedRevision !== loaded.revision) {
      throw new WrongExpectedRevisionError(streamId, String(options.expectedRevision), String(loaded.revision));
    }
    const events = decider.decide(command, loaded.state);
    if (events.length === 0) {
      return { streamId, revision: loaded.revision, position: null, eventTypes: [], state: loaded.state };
    }
    const sealed = sealEvents(streamId, events, context, { firstRevision: loaded.revision + 1, prevHash: loaded.lastHash }, currentSchemaVersion);
    try {
      const result = await store.appendToStream(streamId, sealed, loaded.revision < 0 ? 'no_stream' : loaded.revision);
      const state = events.reduce((acc, event) => decider.evolve(acc, event), loaded.state);
      return { streamId, revision: result.nextExpectedRevision, position: result.position, eventTypes: events.map((e) => e.type), state };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (options.expectedRevision !== undefined) throw error;
      if (attempt >= MAX_DECISION_ATTEMPTS) {
        throw new ConflictError(`stream '${streamId}' kept changing; the command was not applied, retry it`, { streamId });
      }
    }
  }
}
