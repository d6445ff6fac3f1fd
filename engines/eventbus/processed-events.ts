import { PLATFORM_TENANT } from '../../domain/shared/streams.js';
import type { ReadModelStore } from '../readmodel/port.js';

/**
 * What a consumer-group worker has already done, by event id, so an at-least-once bus
 * (redelivery after a crash, a rebalance, a relay replay) has each effect once. A worker
 * records an id only after its effect succeeded (or the message was dead-lettered), so a
 * crash in between repeats the effect: effectively-once for idempotent effects, at-least-once
 * otherwise (webhook receivers de-duplicate by Nexus-Event-Id for that reason).
 */
export interface ProcessedEvents {
  has(worker: string, eventId: string): Promise<boolean>;
  /** `position`: the event-store position of the event, when known (diagnostics only). */
  record(worker: string, eventId: string, position?: number | null): Promise<void>;
}

/**
 * In memory, the most recently used `capacity` ids: enough for redeliveries within one
 * process's life (the bus redelivers only what was not committed, a short tail). Forgets
 * everything on restart; use the read-model adapter where a repeat after restart matters.
 */
export class LruProcessedEvents implements ProcessedEvents {
  private readonly ids = new Map<string, true>();

  constructor(private readonly capacity = 100_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  async has(worker: string, eventId: string): Promise<boolean> {
    const key = `${worker}:${eventId}`;
    if (!this.ids.has(key)) return false;
    this.ids.delete(key); // Map keeps insertion order: re-inserting marks it most recent
    this.ids.set(key, true);
    return true;
  }

  async record(worker: string, eventId: string): Promise<void> {
    const key = `${worker}:${eventId}`;
    this.ids.delete(key);
    this.ids.set(key, true);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }
}

export const PROCESSED_EVENTS_COLLECTION = 'processed_events';

/**
 * Durable, in the read-model store (SQLite file or MongoDB): one document per handled event,
 * id `${worker}:${eventId}`, written with `commit` (atomic on SQLite). The commit's
 * checkpoint `processed-events@{worker}` holds the position of the event recorded last: a
 * diagnostic, not a resume point (partitions interleave). Documents are never pruned here;
 * at a few hundred bytes per event that is fine for low-volume workers such as webhooks.
 */
export class ReadModelProcessedEvents implements ProcessedEvents {
  constructor(
    private readonly store: ReadModelStore,
    private readonly collection = PROCESSED_EVENTS_COLLECTION,
  ) {}

  async has(worker: string, eventId: string): Promise<boolean> {
    return (await this.store.get(this.collection, `${worker}:${eventId}`)) !== null;
  }

  async record(worker: string, eventId: string, position: number | null = null): Promise<void> {
    const id = `${worker}:${eventId}`;
    // Bookkeeping of the platform, not tenant data: no tenant may query this collection.
    const doc = { id, tenantId: PLATFORM_TENANT, _position: position ?? 0, worker, eventId };
    await this.store.commit([{ collection: this.collection, id, doc }], { name: `processed-events@${worker}`, position: position ?? 0 });
  }
}
