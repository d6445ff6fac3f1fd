import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { executeCommand } from '../../../commands/handler.js';
import { apiKeyDecider, apiKeyStreamId, type ApiKeyCommand } from '../../../domain/apikey/index.js';
import { deploymentDecider, deploymentStreamId, type DeploymentCommand } from '../../../domain/deployment/index.js';
import { rolloutDecider, rolloutStreamId, type RolloutCommand } from '../../../domain/rollout/index.js';
import { policyDecider, policyStreamId, type PolicyCommand, type PolicyRules } from '../../../domain/policy/index.js';
import type { Decider, DomainCommand, DomainEvent } from '../../../domain/shared/decider.js';
import { PLATFORM_TENANT } from '../../../domain/shared/streams.js';
import { tenantDecider, tenantStreamId, type TenantCommand } from '../../../domain/tenant/index.js';
import type { EventStore } from '../../../engines/eventstore/port.js';

/**
 * Real events for the cache tests: each helper runs a command through executeCommand (load,
 * the context's decider, sealEvents, append with revision), exactly as the API does, and
 * returns the position of the last event appended.
 */
export const T0 = Date.parse('2025-06-01T10:00:00.000Z');
export const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

export const sha = (secret: string): string => createHash('sha256').update(secret).digest('hex');
export const freshSecret = (): string => `nx_${randomBytes(16).toString('hex')}`;
export const freshId = (prefix = 't'): string => `${prefix}_${randomBytes(5).toString('hex')}`;
const keyPrefix = (): string => `nx_${randomBytes(4).toString('hex')}`;

type Data<C extends DomainCommand, T extends C['type']> = Extract<C, { type: T }>['data'];

async function run<C extends DomainCommand, E extends DomainEvent, S>(store: EventStore, stream: string, decider: Decider<C, E, S>, tenantId: string, command: C): Promise<number> {
  const commandId = randomUUID();
  const context = { tenantId, commandId, correlationId: commandId, causationId: commandId, actor: command.meta.actor, occurredAt: command.meta.now };
  const outcome = await executeCommand(store, stream, decider, command, context);
  if (outcome.position === null) throw new Error(`${command.type} appended nothing`);
  return outcome.position;
}

const meta = (now: string) => ({ now, actor: 'admin' });

/** Commands against one store; `now` defaults to T0 (the domain's only clock). */
export function commandsOn(store: EventStore) {
  const tenant = <T extends TenantCommand['type']>(type: T, data: Data<TenantCommand, T>, now = at(0)) =>
    run(store, tenantStreamId(data.tenantId), tenantDecider, data.tenantId, { type, data, meta: meta(now) } as TenantCommand);
  const key = <T extends ApiKeyCommand['type']>(type: T, data: Data<ApiKeyCommand, T>, now = at(0)) =>
    run(store, apiKeyStreamId(data.tenantId, data.keyId), apiKeyDecider, data.tenantId, { type, data, meta: meta(now) } as ApiKeyCommand);
  const policy = <T extends PolicyCommand['type']>(type: T, data: Data<PolicyCommand, T>, now = at(0)) =>
    run(store, policyStreamId(data.tenantId, data.policyId), policyDecider, data.tenantId, { type, data, meta: meta(now) } as PolicyCommand);
  const deployment = <T extends DeploymentCommand['type']>(type: T, data: Data<DeploymentCommand, T>, now = at(0)) =>
    run(store, deploymentStreamId(data.deploymentId), deploymentDecider, PLATFORM_TENANT, { type, data, meta: meta(now) } as DeploymentCommand);
  const rollout = <T extends RolloutCommand['type']>(type: T, data: Data<RolloutCommand, T>, now = at(0)) =>
    run(store, rolloutStreamId(data.rolloutId), rolloutDecider, PLATFORM_TENANT, { type, data, meta: meta(now) } as RolloutCommand);

  return {
    tenant,
    rollout,
    key,
    policy,
    deployment,
    registerTenant: (tenantId: string, dataRegion = 'eu') => tenant('RegisterTenant', { tenantId, name: `Tenant ${tenantId}`, dataRegion }),
    /** Issues a key whose secret is `secret`; never expires unless `expiresAt` is given. */
    issueKey: (tenantId: string, keyId: string, secret: string, options: { expiresAt?: string | null; now?: string } = {}) =>
      key('IssueApiKey', { tenantId, keyId, name: keyId, scopes: ['inference', 'admin-read'], expiresAt: options.expiresAt ?? null, keyHash: sha(secret), keyPrefix: keyPrefix() }, options.now),
    rotateKey: (tenantId: string, keyId: string, secret: string, now = at(1)) => key('RotateApiKey', { tenantId, keyId, keyHash: sha(secret), keyPrefix: keyPrefix() }, now),
    revokeKey: (tenantId: string, keyId: string) => key('RevokeApiKey', { tenantId, keyId, reason: 'leaked in a log' }, at(2)),
    /** A policy with one published version, attached. */
    attachedPolicy: async (tenantId: string, policyId: string, rules: PolicyRules) => {
      await policy('CreatePolicy', { tenantId, policyId, name: `Policy ${policyId}`, description: null });
      await policy('PublishPolicyVersion', { tenantId, policyId, rules });
      return policy('AttachPolicy', { tenantId, policyId });
    },
    registerDeployment: (deploymentId: string, modelAlias: string, options: { weight?: number; inputPrice?: number; credentialRef?: string | null; now?: string } = {}) =>
      deployment(
        'RegisterDeployment',
        {
          deploymentId,
          provider: 'openai',
          upstreamModel: `${modelAlias}-2024-07-18`,
          modelAlias,
          region: 'eu',
          baseUrl: 'https://api.openai.com/v1',
          credentialRef: options.credentialRef ?? null,
          inputPricePerMTokMicros: options.inputPrice ?? 150_000,
          outputPricePerMTokMicros: 600_000,
          currency: 'USD',
          weight: options.weight ?? 100,
        },
        options.now,
      ),
  };
}

export const rules = (maxTokens: number, allowedModels: string[] | null = ['gpt-4o-mini']): PolicyRules => ({
  allowedModels,
  maxTokens,
  piiAction: 'redact',
  injectionAction: 'block',
  dataRegions: ['eu'],
});
