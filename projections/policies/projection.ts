import { toDomainEvent } from '../../commands/handler.js';
import type { PolicyRules } from '../../domain/policy/commands.js';
import type { PolicyEvent } from '../../domain/policy/events.js';
import { assertNever } from '../../domain/shared/errors.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Projection } from '../runtime/projection.js';
import { eventTypeGuard, occurredAt, streamOf, tenantScopedId } from '../shared/recorded.js';

export interface PolicyVersionRecord {
  readonly version: number;
  readonly rules: PolicyRules;
  readonly publishedAt: string;
}

/**
 * One policy with its full version history, so an operator can see what any past version
 * said. id = `${tenantId}.${policyId}`. While attached, the latest version (currentVersion)
 * is the one enforced — the same rule as the policy aggregate's `enforcedVersion`.
 */
export interface PolicyDoc extends Doc {
  readonly policyId: string;
  readonly name: string;
  readonly description: string | null;
  readonly attached: boolean;
  readonly currentVersion: number | null;
  readonly currentRules: PolicyRules | null;
  /** Oldest first; versions never change once published. */
  readonly versions: readonly PolicyVersionRecord[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

const isPolicyEventType = eventTypeGuard<PolicyEvent['type']>({
  PolicyCreated: true,
  PolicyVersionPublished: true,
  PolicyAttached: true,
  PolicyDetached: true,
});

function evolvePolicy(doc: PolicyDoc | null, recorded: RecordedEvent): PolicyDoc | null {
  const event = toDomainEvent<PolicyEvent>(recorded);
  const at = occurredAt(recorded);
  if (event.type === 'PolicyCreated') {
    const { tenantId, policyId, name, description } = event.data;
    return {
      id: tenantScopedId(tenantId, policyId),
      tenantId,
      _position: recorded.position,
      policyId,
      name,
      description,
      attached: false,
      currentVersion: null,
      currentRules: null,
      versions: [],
      createdAt: at,
      updatedAt: at,
    };
  }
  if (doc === null) return null; // a policy stream cannot start without creation; ignore defensively
  const touched = { ...doc, _position: recorded.position, updatedAt: at };
  switch (event.type) {
    case 'PolicyVersionPublished': {
      const { version, rules } = event.data;
      return { ...touched, currentVersion: version, currentRules: rules, versions: [...doc.versions, { version, rules, publishedAt: at }] };
    }
    case 'PolicyAttached':
      return { ...touched, attached: true };
    case 'PolicyDetached':
      return { ...touched, attached: false };
    default:
      return assertNever(event, 'policy event');
  }
}

export const policiesProjection: Projection = {
  name: 'policies',
  version: 1,
  collection: 'policies',
  indexes: ['attached'],
  categories: ['policy'],
  documentId(event) {
    if (!isPolicyEventType(event.type)) return null;
    const stream = streamOf(event, 'policy');
    return stream === null ? null : tenantScopedId(stream.tenantId, stream.entityId);
  },
  evolve(doc, event) {
    if (!isPolicyEventType(event.type)) return doc;
    return evolvePolicy(doc as PolicyDoc | null, event);
  },
};
