import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { ApiKeyEvent } from '../../../domain/apikey/events.js';
import type { BudgetEvent } from '../../../domain/budget/events.js';
import type { DeploymentEvent } from '../../../domain/deployment/events.js';
import type { PolicyEvent } from '../../../domain/policy/events.js';
import type { TenantEvent } from '../../../domain/tenant/events.js';
import type { RecordedEvent } from '../../../engines/eventstore/port.js';
import type { Doc } from '../../../engines/readmodel/port.js';
import type { Projection } from '../../../projections/runtime/projection.js';
import { assertValidEventData } from '../../../schemas/registry.js';

/** Stored events built by hand and folded the way the projection runtime folds them. */

export type AnyEvent = TenantEvent | ApiKeyEvent | PolicyEvent | BudgetEvent | DeploymentEvent;

/** Builds stored events the way the store returns them: positions global, revisions per stream. */
export function eventLog() {
  let position = 0;
  const revisions = new Map<string, number>();
  return (streamId: string, event: AnyEvent | { type: string; data: Record<string, unknown> }, occurredAt: string, schemaVersion = 1): RecordedEvent => {
    // Test events must be what the store could really hold: checked against their Avro schema version.
    if (!event.type.startsWith('Unknown')) assertValidEventData(event.type, event.data, schemaVersion);
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    position += 1;
    return {
      eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
      streamId,
      revision,
      position,
      type: event.type,
      data: event.data as Record<string, unknown>,
      metadata: { tenantId: 'x', correlationId: `corr-${position}`, causationId: `cmd-${position}`, actor: 'admin', commandId: `cmd-${position}`, schemaVersion, occurredAt },
      recordedAt: '2099-01-01T00:00:00.000Z', // deliberately not the domain time: projections must use occurredAt
    };
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Folds events as the runtime does (id, evolve, `_position`), checking the runtime's document rules; inputs are frozen so mutation throws. */
export function project(projection: Projection, events: readonly RecordedEvent[]): Map<string, Doc> {
  const docs = new Map<string, Doc>();
  for (const event of events) {
    const id = projection.documentId(event);
    if (id === null) continue;
    const next = projection.evolve(deepFreeze(docs.get(id) ?? null), deepFreeze(event));
    if (next === null) {
      docs.delete(id);
      continue;
    }
    expect(next.id, `${projection.name} document id`).to.equal(id);
    expect(next.tenantId, `${projection.name} tenantId`).to.be.a('string').and.not.equal('');
    docs.set(id, { ...next, _position: event.position });
  }
  return docs;
}

const T0 = '2026-11-26T10:00:00.000Z';
export const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
export const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
