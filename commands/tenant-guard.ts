import { ConflictError, NotFoundError } from '../domain/shared/errors.js';
import { tenantDecider, tenantStreamId } from '../domain/tenant/index.js';
import type { EventStore } from '../engines/eventstore/port.js';
import { loadStream } from './handler.js';

/**
 * Keys, policies and budgets may only be created for a tenant that exists and is not
 * closed. Checked against the tenant's stream (not a read model) right before the
 * command; a tenant closed a moment later is still safe, because credentials of a closed
 * tenant no longer authenticate.
 */
export async function requireOpenTenant(store: EventStore, tenantId: string): Promise<void> {
  const { state } = await loadStream(store, tenantStreamId(tenantId), tenantDecider);
  if (state.status === 'none') throw new NotFoundError('tenant', tenantId);
  if (state.status === 'closed') throw new ConflictError(`tenant '${tenantId}' is closed`, { tenantId });
}
