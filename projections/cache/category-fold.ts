import { toDomainEvent } from '../../commands/handler.js';
import type { DomainEvent } from '../../domain/shared/decider.js';
import type { Category } from '../../domain/shared/streams.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';

/** The part of a decider a fold needs: the aggregate's own initialState and evolve. */
export interface StreamFolder<E extends DomainEvent, S> {
  initialState(): S;
  evolve(state: S, event: E): S;
}

/**
 * Folds every stream of one category with its aggregate's own `evolve` (upcast first, as the
 * write side does), so the cache agrees with the command handlers by construction, and keeps
 * the lookup indexes of a subclass in step through `reindex`.
 *
 * Guarantees: events are applied in the order given (the subscription's position order);
 * `reindex` runs synchronously inside `apply`, so no reader ever sees the stream's state and
 * its indexes disagree. Extending the cache to a new category is one subclass of this
 * plus its registration in GatewayState.
 */
export abstract class CategoryFold<E extends DomainEvent, S> {
  abstract readonly category: Category;
  private readonly states = new Map<string, S>();

  protected constructor(private readonly folder: StreamFolder<E, S>) {}

  /** Throws if the event cannot be upcast or evolved; the caller then calls `quarantine`. */
  apply(event: RecordedEvent): void {
    if (!this.accepts(event.streamId)) return;
    const before = this.states.get(event.streamId) ?? this.folder.initialState();
    const after = this.folder.evolve(before, toDomainEvent<E>(event));
    if (after === before) return;
    this.states.set(event.streamId, after);
    this.reindex(before, after);
  }

  /**
   * An event of `streamId` could not be applied. By default the stream keeps its last known
   * state (what the read-model projections do with a dead letter). Folds whose stale state
   * would let a request through that should be refused (keys, tenants) forget the stream
   * instead: fail closed. Either way the outcome is a function of the log, so a replay agrees.
   */
  quarantine(_streamId: string): void {
    // Keep the last known state: nothing to undo.
  }

  /** Removes a stream's state and everything indexed from it. */
  protected forget(streamId: string): void {
    const before = this.states.get(streamId);
    if (before === undefined) return;
    this.states.delete(streamId);
    this.reindex(before, this.folder.initialState());
  }

  /** Whether this fold folds the stream at all (checked before decoding); overridden to narrow a category to platform streams. */
  protected accepts(_streamId: string): boolean {
    return true;
  }

  /** Updates the lookup indexes for one stream whose state went from `before` to `after`. */
  protected abstract reindex(before: S, after: S): void;

  /** The per-stream states, for a snapshot. Shared references: the caller must clone them. */
  exportStates(): Array<[string, S]> {
    return [...this.states];
  }

  /** Installs a state taken by `exportStates` (into an empty fold), with its indexes. */
  restoreState(streamId: string, state: S): void {
    const before = this.states.get(streamId) ?? this.folder.initialState();
    this.states.set(streamId, state);
    this.reindex(before, state);
  }
}
