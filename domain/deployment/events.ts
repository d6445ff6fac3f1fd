import type { DomainEvent } from '../shared/decider.js';
import type { Provider } from './commands.js';

/**
 * One price version. Versions are kept forever so the cost of any past request can be
 * explained with the price that applied then. Prices are per million tokens, in micro-units.
 */
export interface DeploymentPrice {
  readonly priceVersion: number;
  readonly inputPricePerMTokMicros: number;
  readonly outputPricePerMTokMicros: number;
  readonly currency: string;
  /** ISO-8601 instant from which this version applies. */
  readonly effectiveFrom: string;
}

/** Events of the deployment catalog. Schemas: schemas/events/deployment/*.avsc */
export type DeploymentRegistered = DomainEvent<
  'DeploymentRegistered',
  {
    deploymentId: string;
    provider: Provider;
    upstreamModel: string;
    modelAlias: string;
    region: string;
    /** null: the provider's default endpoint. */
    baseUrl: string | null;
    /** The name of the secret the gateway authenticates with (never its value); null: none. */
    credentialRef: string | null;
    weight: number;
    price: DeploymentPrice;
  }
>;
export type DeploymentWeightChanged = DomainEvent<'DeploymentWeightChanged', { deploymentId: string; weight: number; previousWeight: number }>;
export type DeploymentPriceChanged = DomainEvent<'DeploymentPriceChanged', { deploymentId: string; price: DeploymentPrice }>;
export type DeploymentDisabled = DomainEvent<'DeploymentDisabled', { deploymentId: string; reason: string }>;
export type DeploymentEnabled = DomainEvent<'DeploymentEnabled', { deploymentId: string }>;
/** Names another secret (or none); the secret's value never enters the event log. */
export type DeploymentCredentialRefSet = DomainEvent<
  'DeploymentCredentialRefSet',
  { deploymentId: string; credentialRef: string | null; previousCredentialRef: string | null }
>;

export type DeploymentEvent =
  | DeploymentRegistered
  | DeploymentWeightChanged
  | DeploymentPriceChanged
  | DeploymentDisabled
  | DeploymentEnabled
  | DeploymentCredentialRefSet;
