import { START, type AllStreamResolvedEvent, type AllStreamSubscription, type EventStoreDBClient, type Position } from '@eventstore/db-client';
import type { SubscriptionFilter } from '../port.js';
import type { FeedItem } from './batching.js';
import { EventStoreUnavailableError, translateError } from './errors.js';
import { buildFilter } from './filter.js';
import { eventPositionToPort, portToEsdbPosition, scanPositionToPort } from './positions.js';
import { toRecordedEvent } from './translate.js';

/** One server-side subscription, seen as a queue of FeedItems (see batching.ts). */
export interface Feed {
  /** Items received and not yet dropped, oldest first. */
  readonly items: readonly FeedItem[];
  drop(count: number): void;
  /** Why the feed will deliver nothing more (an error, or the server ended it); null while healthy. */
  readonly failure: Error | null;
  /** Resolves once an item or a failure is there, or interrupt() is called. */
  wait(): Promise<void>;
  interrupt(): void;
  close(): Promise<void>;
}

export interface FeedRequest {
  /** Exclusive start, in port positions. */
  readonly after: number;
  /** EventStoreDB's maxSearchWindow for this subscription (see filter.ts). */
  readonly window: number;
  readonly filter?: SubscriptionFilter;
  /** Queue length at which the server-side stream is paused (gRPC flow control does the rest). */
  readonly highWater: number;
}

/** One waiter woken by the next fire(); wait(true) does not wait at all. */
export class WakeUp {
  private waiter: (() => void) | null = null;

  wait(ready: boolean): Promise<void> {
    if (ready) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  fire(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

/** A checkpoint or liveness signal, travelling through the client's stream among the events. */
class Marker {
  constructor(readonly item: FeedItem) {}
}

/**
 * The client's subscription as a Feed. The client reports checkpoints through a callback and
 * caught-up / fell-behind through events, all while it is still handing earlier events to its
 * readable buffer. Pushing each of them into that same buffer as a Marker keeps them in the
 * order the server sent them, so a checkpoint is never acted on before the events it covers.
 */
export class ClientFeed implements Feed {
  readonly items: FeedItem[] = [];
  failure: Error | null = null;
  private closing = false;
  private paused = false;
  private readonly wakeUp = new WakeUp();
  private readonly subscription: AllStreamSubscription;

  constructor(
    client: EventStoreDBClient,
    private readonly request: FeedRequest,
  ) {
    const start = portToEsdbPosition(request.after);
    const filter = buildFilter(request.filter, request.window, (subscription, position) => {
      const item = checkpointItem(position);
      if (item !== null) subscription.push(new Marker(item));
    });
    this.subscription = client.subscribeToAll({ fromPosition: start === 'start' ? START : start, filter });
    this.subscription.on('caughtUp', () => this.subscription.push(new Marker({ kind: 'caught_up' })));
    this.subscription.on('fellBehind', () => this.subscription.push(new Marker({ kind: 'fell_behind' })));
    this.subscription.on('data', (chunk: AllStreamResolvedEvent | Marker) => this.receive(chunk));
    this.subscription.on('error', (error: Error) => this.end(translateError(error, { operation: 'subscribeToAll' })));
    this.subscription.on('end', () => this.end(new EventStoreUnavailableError('subscribeToAll', 'connection', 'the server ended the subscription')));
  }

  drop(count: number): void {
    this.items.splice(0, count);
    if (this.paused && this.items.length <= this.request.highWater / 2) {
      this.paused = false;
      this.subscription.resume();
    }
  }

  wait(): Promise<void> {
    return this.wakeUp.wait(this.items.length > 0 || this.failure !== null || this.closing);
  }

  interrupt(): void {
    this.wakeUp.fire();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.interrupt();
    // Cancels the gRPC call; the client swallows the cancellation it causes itself.
    await this.subscription.unsubscribe().catch(() => undefined);
  }

  private receive(chunk: AllStreamResolvedEvent | Marker): void {
    if (this.closing || this.failure !== null) return;
    try {
      const item = chunk instanceof Marker ? chunk.item : eventItem(chunk);
      if (item !== null) this.items.push(item);
    } catch (error) {
      this.end(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (!this.paused && this.items.length >= this.request.highWater) {
      this.paused = true;
      this.subscription.pause();
    }
    this.interrupt();
  }

  private end(failure: Error): void {
    if (this.closing || this.failure !== null) return;
    this.failure = failure;
    this.interrupt();
  }
}

/** An event of the subscription; a system event the server let through only moves the scan on. */
function eventItem(resolved: AllStreamResolvedEvent): FeedItem | null {
  const event = resolved.event;
  if (event === undefined) return null; // a link whose target is gone: nothing to deliver or place
  const recorded = toRecordedEvent(event);
  if (recorded !== null) return { kind: 'event', position: recorded.position, event: recorded };
  try {
    return { kind: 'event', position: eventPositionToPort(event.position), event: null };
  } catch {
    return null; // a system event of a legacy transaction: skipping it needs no position
  }
}

/** A checkpoint the port cannot represent is only a missed optimisation: it is left out, never fatal. */
function checkpointItem(position: Position): FeedItem | null {
  try {
    return { kind: 'checkpoint', position: scanPositionToPort(position) };
  } catch {
    return null;
  }
}
