import { NotFoundError } from '../../domain/shared/errors.js';
import { parseStreamId } from '../../domain/shared/streams.js';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '../../engines/eventstore/port.js';
import { stateAsOf, verifyStream, verifyTenant, type AsOf, type StateAsOf, type VerificationReport } from './forensics.js';

export type EventScope = { readonly kind: 'admin' } | { readonly kind: 'tenant'; readonly tenantId: string };

/**
 * Event-store reads narrowed to a caller's tenant, the counterpart of the scoped read
 * models: a tenant credential naming another tenant's stream (or a platform stream) gets
 * a not-found, decided here once rather than in every handler.
 */
export class ScopedEvents {
  constructor(
    private readonly store: EventStore,
    private readonly scope: EventScope,
  ) {}

  private admit(streamId: string): string {
    const name = parseStreamId(streamId);
    if (!name) throw new NotFoundError('stream', streamId);
    if (this.scope.kind === 'tenant' && name.tenantId !== this.scope.tenantId) throw new NotFoundError('stream', streamId);
    return streamId;
  }

  private admitTenant(tenantId: string): string {
    if (this.scope.kind === 'tenant' && tenantId !== this.scope.tenantId) throw new NotFoundError('tenant', tenantId);
    return tenantId;
  }

  async readStream(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    const events = await this.store.readStream(this.admit(streamId), options);
    if (events.length === 0 && options.fromRevision === undefined) throw new NotFoundError('stream', streamId);
    return events;
  }

  verifyStream(streamId: string): Promise<VerificationReport> {
    return verifyStream(this.store, this.admit(streamId));
  }

  verifyTenant(tenantId: string): Promise<VerificationReport> {
    return verifyTenant(this.store, this.admitTenant(tenantId));
  }

  stateAsOf(streamId: string, asOf: AsOf): Promise<StateAsOf> {
    return stateAsOf(this.store, this.admit(streamId), asOf);
  }
}
