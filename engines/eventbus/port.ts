/**
 * The event-bus port: how events leave the event store for other systems. The relay
 * (engines/eventbus/relay.ts) follows the event store and publishes every event; consumer
 * groups (engines/eventbus/subscriber.ts) read them. Kafka (engines/eventbus/kafka) is the
 * production adapter, an in-process bus (engines/eventbus/memory) the embedded default;
 * both pass test/contract/event-bus.contract.ts.
 *
 * Guarantees every adapter gives:
 * - `publish` resolves only once every message is durably accepted (Kafka: acks from all
 *   in-sync replicas, idempotent producer), so a caller may checkpoint after it;
 * - messages with the same key on the same topic are delivered in publish order (one
 *   partition per key), so each event-store stream stays ordered;
 * - delivery is at-least-once: a message whose handler did not resolve (crash, stop,
 *   thrown error) is delivered again to the group; consumers de-duplicate by event id;
 * - a consumer group's committed progress survives the group's consumers: a new consumer
 *   of the same group starts after the last message a handler resolved;
 * - topics are created on first use (adapters may also declare them up front).
 */

/**
 * Header names of a relayed event (values are UTF-8 strings). Every relayed event carries
 * exactly five: eventId, eventType, tenantId and schemaFingerprint, each on its own so a
 * consumer (or an operator with a console) can route and filter without parsing, and
 * `envelope`, the rest of the stored event in one JSON header; the stream id is the message
 * key. streamId and position are only set on the relay's dead letters (whose value is the
 * whole event as JSON). Fewer headers per record: kafkajs encodes each one separately, and
 * that encoding was most of the relay's CPU.
 */
export const EVENT_HEADERS = {
  eventId: 'nexus-event-id',
  eventType: 'nexus-event-type',
  /** metadata.tenantId, '' when the event has none. */
  tenantId: 'nexus-tenant-id',
  /**
   * Avro CRC-64-AVRO (Rabin) fingerprint of the writer schema: the 64-bit value as 16 lowercase
   * hex digits, as the Avro docs print it (`"int"` → 7275d51a3f395c8f); the value's
   * single-object header holds the same number little-endian.
   */
  schemaFingerprint: 'nexus-schema-fingerprint',
  /**
   * The rest of the stored event as one JSON object: `{ position, revision, recordedAt, metadata }`
   * (and `streamId` only when it differs from the message key, which it never does for the relay):
   * position = global position in the event store; revision = 0-based revision within the stream;
   * recordedAt = when the store committed it (ISO-8601); metadata = the whole metadata envelope
   * (tenant, actor, correlation and causation ids, command id, schema version, occurredAt,
   * prevHash and hash), so an auditor or a worker on the bus can rebuild the RecordedEvent,
   * explain it and verify its hash chain without reading the event store.
   */
  envelope: 'nexus-envelope',
  /** Dead letters only: the stream id (relayed events: the message key). */
  streamId: 'nexus-stream-id',
  /** Dead letters only: the event's global position in the event store (decimal). */
  position: 'nexus-position',
} as const;

export interface BusMessage {
  readonly topic: string;
  /** Partitioning key: the stream id for relayed events. */
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

export interface DeliveredMessage extends BusMessage {
  readonly partition: number;
  /** The partition offset (decimal string: Kafka offsets are 64-bit). */
  readonly offset: string;
  /** How many times this group has been handed this message before (0 = first delivery), when the adapter knows; else 0. */
  readonly redelivery: number;
}

export interface ConsumeOptions {
  /** Consumer group: members share the partitions, progress is committed per group. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /**
   * A group with no committed progress starts at the beginning (default) or at the end: after
   * the last message published before the consumer is `ready`.
   */
  readonly fromBeginning?: boolean;
  /**
   * Called once per message, in order within a partition; the next message of that
   * partition waits for the promise. Resolving commits the message; rejecting stops this
   * consumer (onError) without committing it, so the group gets it again. Retries and dead
   * letters are the subscriber runtime's job, not the adapter's.
   */
  readonly onMessage: (message: DeliveredMessage) => Promise<void>;
  /** Called once if the consumer dies (handler rejected, engine failed); it is then stopped. */
  readonly onError?: (error: Error) => void;
}

export interface BusConsumer {
  /** Resolves once the consumer has joined its group and been assigned partitions (or is ready to receive). */
  readonly ready: Promise<void>;
  /** Finishes the message in hand, commits, leaves the group. Idempotent. */
  stop(): Promise<void>;
}

export interface EventBus {
  /** Creates missing topics (idempotent). */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Resolves when every message is durably accepted; rejects (BusUnavailableError) when the engine cannot take them. */
  publish(messages: readonly BusMessage[]): Promise<void>;
  consume(options: ConsumeOptions): BusConsumer;
  /** Stops this bus's consumers (as their stop() does), then releases the engine; later calls are refused. Idempotent. */
  close(): Promise<void>;
}

/** The bus engine cannot be reached or refused the operation; the caller retries later. */
export class BusUnavailableError extends Error {
  readonly kind = 'bus_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}
