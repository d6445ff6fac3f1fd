import { toDomainEvent } from '../../commands/handler.js';
import type { Provider } from '../../domain/deployment/commands.js';
import type { DeploymentEvent, DeploymentPrice } from '../../domain/deployment/events.js';
import { assertNever } from '../../domain/shared/errors.js';
import { PLATFORM_TENANT } from '../../domain/shared/streams.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Projection } from '../runtime/projection.js';
import { eventTypeGuard, occurredAt, streamOf } from '../shared/recorded.js';

/**
 * One deployment of the platform-wide catalog. id = deploymentId, tenantId = 'platform':
 * the collection is shared, so every tenant can read (but not change) the catalog.
 * Every price version is kept so the cost of any past request can be explained.
 */
export interface DeploymentDoc extends Doc {
  readonly deploymentId: string;
  readonly provider: Provider;
  readonly upstreamModel: string;
  readonly modelAlias: string;
  readonly region: string;
  readonly baseUrl: string | null;
  /** The name of the secret the gateway calls the upstream with; the secret itself is never here. */
  readonly credentialRef: string | null;
  readonly weight: number;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  /** The latest price version (the aggregate treats the last one as current). */
  readonly price: DeploymentPrice;
  /** Every price version, oldest first. */
  readonly priceHistory: readonly DeploymentPrice[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

const isDeploymentEventType = eventTypeGuard<DeploymentEvent['type']>({
  DeploymentRegistered: true,
  DeploymentWeightChanged: true,
  DeploymentPriceChanged: true,
  DeploymentDisabled: true,
  DeploymentEnabled: true,
  DeploymentCredentialRefSet: true,
});

function evolveDeployment(doc: DeploymentDoc | null, recorded: RecordedEvent): DeploymentDoc | null {
  const event = toDomainEvent<DeploymentEvent>(recorded);
  const at = occurredAt(recorded);
  if (event.type === 'DeploymentRegistered') {
    const { deploymentId, provider, upstreamModel, modelAlias, region, baseUrl, credentialRef, weight, price } = event.data;
    return {
      id: deploymentId,
      tenantId: PLATFORM_TENANT,
      _position: recorded.position,
      deploymentId,
      provider,
      upstreamModel,
      modelAlias,
      region,
      baseUrl,
      credentialRef,
      weight,
      enabled: true,
      disabledReason: null,
      price,
      priceHistory: [price],
      createdAt: at,
      updatedAt: at,
    };
  }
  if (doc === null) return null; // a deployment stream cannot start without registration; ignore defensively
  const touched = { ...doc, _position: recorded.position, updatedAt: at };
  switch (event.type) {
    case 'DeploymentWeightChanged':
      return { ...touched, weight: event.data.weight };
    case 'DeploymentPriceChanged':
      return { ...touched, price: event.data.price, priceHistory: [...doc.priceHistory, event.data.price] };
    case 'DeploymentDisabled':
      return { ...touched, enabled: false, disabledReason: event.data.reason };
    case 'DeploymentEnabled':
      return { ...touched, enabled: true, disabledReason: null };
    case 'DeploymentCredentialRefSet':
      return { ...touched, credentialRef: event.data.credentialRef };
    default:
      return assertNever(event, 'deployment event');
  }
}

export const deploymentsProjection: Projection = {
  name: 'deployments',
  // v2: documents gained credentialRef; the runtime rebuilds v2 beside v1 on start.
  version: 2,
  collection: 'deployments',
  indexes: ['modelAlias', 'provider', 'enabled'],
  categories: ['deployment'],
  documentId(event) {
    if (!isDeploymentEventType(event.type)) return null;
    // Only the platform's catalog streams: a deployment event on any other tenant's stream is not the catalog.
    const stream = streamOf(event, 'deployment');
    return stream !== null && stream.tenantId === PLATFORM_TENANT ? stream.entityId : null;
  },
  evolve(doc, event) {
    if (!isDeploymentEventType(event.type)) return doc;
    return evolveDeployment(doc as DeploymentDoc | null, event);
  },
};
