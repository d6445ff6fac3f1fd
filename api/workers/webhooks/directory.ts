import { toDomainEvent } from '../../../commands/handler.js';
import { WEBHOOK_CATEGORY, parseWebhookStreamId, receives, webhookDecider, type WebhookEvent, type WebhookState } from '../../../domain/webhook/index.js';
import type { EventStore, RecordedEvent, Subscription } from '../../../engines/eventstore/port.js';
import { PositionWaiters } from '../../../projections/runtime/waiters.js';

/** Where and how to deliver to one webhook now. */
export interface WebhookTarget {
  readonly tenantId: string;
  readonly webhookId: string;
  readonly url: string;
  readonly secretVersion: number;
}

interface Entry {
  state: WebhookState;
  /** Status changes in position order, registration first: whether it was enabled from that position on. */
  readonly history: { readonly position: number; readonly enabled: boolean }[];
}

export interface WebhookDirectoryOptions {
  readonly eventStore: EventStore;
  /** Delay before a failed subscription is resumed. Default 1000 ms. */
  readonly retryDelayMs?: number;
}

/**
 * Every tenant's webhooks, folded in memory with the aggregate's own evolve from a catch-up
 * subscription to the event store (webhook streams only), so a delivery decision never
 * queries a database and agrees with the command handlers by construction.
 *
 * Guarantees: `position` is a prefix of the log (every webhook event up to it applied, none
 * after); a webhook receives an event at position P only if it was registered and enabled
 * before P and is still enabled now (disabling stops deliveries at once, also of events
 * queued before; events while it was disabled are never sent later); the secret version is
 * the current one, so a rotation takes effect for every delivery after it. A webhook event
 * that cannot be applied removes that webhook from delivery (fail closed).
 */
export class WebhookDirectory {
  /** Tenant → stream id → entry: an event only ever looks at its own tenant's webhooks. */
  private readonly byTenant = new Map<string, Map<string, Entry>>();
  private readonly waiters = new PositionWaiters();
  private subscription: Subscription | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private applied = 0;
  private stopped = false;
  private markReady: () => void = () => undefined;
  private lastError: Error | null = null;
  /** Resolves once everything committed before start() is folded. */
  readonly ready: Promise<void>;

  constructor(private readonly options: WebhookDirectoryOptions) {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }

  start(): void {
    if (this.subscription !== null || this.stopped) throw new Error('a webhook directory starts once');
    this.subscribe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    await this.subscription?.stop();
    this.subscription = null;
    this.waiters.rejectAll(new Error('webhook directory stopped'));
  }

  get position(): number {
    return this.applied;
  }

  get error(): Error | null {
    return this.lastError;
  }

  /** Resolves once the directory has folded the log up to `position` (rejects after `timeoutMs`). */
  waitForPosition(position: number, timeoutMs: number): Promise<void> {
    return this.waiters.wait(position, this.applied, timeoutMs, () => `webhook directory at ${this.applied}`);
  }

  /** The tenant's webhooks that receive an event of `eventType` stored at `position` (null: unknown, judge by now). */
  recipients(tenantId: string, eventType: string, position: number | null): WebhookTarget[] {
    const targets: WebhookTarget[] = [];
    for (const { state, history } of this.byTenant.get(tenantId)?.values() ?? []) {
      if (state.status !== 'enabled' || state.tenantId !== tenantId || !receives(state, eventType)) continue;
      if (position !== null && !enabledBefore(history, position)) continue;
      targets.push({ tenantId, webhookId: state.webhookId, url: state.url, secretVersion: state.secretVersion });
    }
    return targets.sort((a, b) => a.webhookId.localeCompare(b.webhookId));
  }

  private subscribe(): void {
    this.retryTimer = null;
    if (this.stopped) return;
    this.subscription = this.options.eventStore.subscribeToAll({
      after: this.applied,
      filter: { categories: [WEBHOOK_CATEGORY] },
      onCheckpoint: (position) => this.advance(position),
      onEvents: (events) => this.applyBatch(events),
      onCaughtUp: () => this.markReady(),
      onError: (error) => {
        this.lastError = error;
        this.subscription = null;
        if (!this.stopped) this.retryTimer = setTimeout(() => this.subscribe(), this.options.retryDelayMs ?? 1_000);
      },
    });
  }

  private applyBatch(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.position <= this.applied) continue; // redelivered after a resubscription
      const stream = parseWebhookStreamId(event.streamId);
      if (stream !== null) this.apply(this.tenant(stream.tenantId), event);
      this.applied = event.position;
    }
    this.waiters.resolveUpTo(this.applied);
  }

  private tenant(tenantId: string): Map<string, Entry> {
    let entries = this.byTenant.get(tenantId);
    if (entries === undefined) {
      entries = new Map();
      this.byTenant.set(tenantId, entries);
    }
    return entries;
  }

  private apply(entries: Map<string, Entry>, event: RecordedEvent): void {
    const entry = entries.get(event.streamId) ?? { state: webhookDecider.initialState(), history: [] };
    try {
      entry.state = webhookDecider.evolve(entry.state, toDomainEvent<WebhookEvent>(event));
    } catch (error) {
      this.lastError = error instanceof Error ? error : new Error(String(error));
      entries.delete(event.streamId);
      return;
    }
    if (entry.state.status === 'deleted') {
      entries.delete(event.streamId);
      return;
    }
    const enabled = entry.state.status === 'enabled';
    if (entry.history.at(-1)?.enabled !== enabled) entry.history.push({ position: event.position, enabled });
    entries.set(event.streamId, entry);
  }

  private advance(position: number): void {
    if (position <= this.applied) return;
    this.applied = position;
    this.waiters.resolveUpTo(position);
  }
}

/** Whether the webhook was enabled just before `position` (registered before it, not disabled at that point). */
function enabledBefore(history: readonly { readonly position: number; readonly enabled: boolean }[], position: number): boolean {
  let enabled = false;
  for (const change of history) {
    if (change.position >= position) break;
    enabled = change.enabled;
  }
  return enabled;
}
