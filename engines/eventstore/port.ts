/**
 * The event-store port. The embedded SQLite adapter and the EventStoreDB adapter both
 * implement it and both pass test/contract/event-store.contract.ts.
 *
 * Guarantees every adapter gives:
 * - appends are atomic per call: all events of one append land, or none do;
 * - revisions within a stream are 0-based and gap-free;
 * - global positions are strictly increasing in commit order, and a reader that has seen
 *   position P will never later see a newly committed event with a position ≤ P
 *   (so a subscriber checkpointing positions never skips an event);
 * - appending events whose ids already sit, in order, in the stream is an idempotent
 *   no-op that reports the original result (a retried command cannot write twice);
 *   a partial overlap is refused. Event ids are unique per stream, as in EventStoreDB:
 *   the same id in another stream is another event.
 */
export type ExpectedRevision =
  | 'any' // no check
  | 'no_stream' // the stream must not exist yet
  | 'stream_exists' // the stream must have at least one event
  | number; // the stream's last revision must be exactly this (0-based)

export type JsonObject = { [key: string]: unknown };

export interface EventToAppend {
  /** UUID; derived deterministically from the command id and the event's index. */
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

export interface RecordedEvent {
  readonly eventId: string;
  readonly streamId: string;
  /** 0-based position of the event within its stream. */
  readonly revision: number;
  /** Global, strictly increasing, 1-based position in the store (the $all stream). */
  readonly position: number;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  /** When the store committed the event (ISO-8601). Domain time lives in metadata.occurredAt. */
  readonly recordedAt: string;
}

export interface AppendResult {
  /** Revision of the last event now in the stream; pass it as the next expected revision. */
  readonly nextExpectedRevision: number;
  /** Global position of the last appended event. */
  readonly position: number;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; defaults to the first (forwards) or last (backwards) event. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a position strictly greater than this. 0 reads from the start. */
  readonly after?: number;
  readonly maxCount?: number;
}

export interface StreamMetadata {
  /** Seconds; events older than this may be hidden by engines that enforce it. */
  readonly maxAge?: number;
  readonly maxCount?: number;
  /** Free-form metadata of our own (e.g. legal hold, retention class). */
  readonly custom?: JsonObject;
}

/**
 * A server-side filter: only events of these stream categories (the part of the stream id
 * before its first '-') are read, decoded and delivered — as EventStoreDB's stream-prefix
 * filter does. A gateway's hot-path cache then never decodes the inference events that make
 * up most of the log.
 */
export interface SubscriptionFilter {
  readonly categories: readonly string[];
}

export interface SubscribeToAllOptions {
  /** Exclusive start position (a stored checkpoint); 0 delivers everything. */
  readonly after: number;
  readonly filter?: SubscriptionFilter;
  /**
   * With a filter: the store has scanned the log up to `position` and delivered every matching
   * event up to it, so a subscriber can move its checkpoint past the events it skipped. Called
   * only when `position` is past the last delivered event; awaited like onEvents.
   */
  readonly onCheckpoint?: (position: number) => Promise<void> | void;
  /**
   * After a wake-up by a new commit, wait this long before reading, so one read (and one
   * handler call) covers the commits of that interval. For read models whose writers commit
   * per batch; 0 (the default) reads at once.
   */
  readonly coalesceMs?: number;
  /** Receives events in position order, in batches. The next batch waits for the promise. */
  readonly onEvents: (events: readonly RecordedEvent[]) => Promise<void> | void;
  /** Called each time the subscription has delivered everything committed so far. */
  readonly onCaughtUp?: (position: number) => void;
  /** Called once if the subscription dies (handler threw, engine failed); it is then stopped. */
  readonly onError?: (error: Error) => void;
  readonly maxBatchSize?: number;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface EventStore {
  appendToStream(streamId: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /** Returns [] for a stream that does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up subscription to every event, then live. */
  subscribeToAll(options: SubscribeToAllOptions): Subscription;
  /** Position of the last committed event, 0 when the store is empty. */
  headPosition(): Promise<number>;
  setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void>;
  getStreamMetadata(streamId: string): Promise<StreamMetadata | null>;
  close(): Promise<void>;
}
