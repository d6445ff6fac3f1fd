/**
 * Seeds an event store with real, sealed domain events for benchmarks, without HTTP: each
 * stream's commands go through its context's decider (so every event is one the product
 * could have written), are sealed like commands/handler.ts does (hash chain, schema
 * version, deterministic event ids) and appended in one append per stream ('no_stream').
 *
 * Per tenant: a registration; 2 API keys (issued, then rotated); a policy (created, 3
 * versions, attached); a monthly budget (limit, `spendsPerBudget` spends of ~120% of the
 * limit in total, so the 50/80/100% thresholds are crossed). Plus a platform catalog of
 * `deployments`, each registered and re-priced `priceChanges` times. The log is written
 * stream after stream (the events of one stream are contiguous in it).
 */
import { createHash, randomUUID } from 'node:crypto';
import { apiKeyDecider, apiKeyStreamId, type ApiKeyCommand } from '../../domain/apikey/index.js';
import { budgetDecider, budgetStreamId, type BudgetCommand } from '../../domain/budget/index.js';
import { deploymentDecider, deploymentStreamId, needsBaseUrl, PROVIDERS, type DeploymentCommand } from '../../domain/deployment/index.js';
import { policyDecider, policyStreamId, type PolicyCommand, type PolicyRules } from '../../domain/policy/index.js';
import type { CommandMeta, Decider, DomainCommand, DomainEvent } from '../../domain/shared/decider.js';
import { GENESIS_HASH, sealEvents } from '../../domain/shared/envelope.js';
import { PLATFORM_TENANT } from '../../domain/shared/streams.js';
import { tenantDecider, tenantStreamId, type TenantCommand } from '../../domain/tenant/index.js';
import type { EventStore, EventToAppend } from '../../engines/eventstore/port.js';
import { assertValidEventData, currentSchemaVersion } from '../../schemas/registry.js';

export interface DomainSeedOptions {
  readonly tenants: number;
  readonly spendsPerBudget: number;
  readonly deployments: number;
  readonly priceChanges: number;
  /** Streams appended concurrently (they share group commits). Default 200. */
  readonly concurrentAppends?: number;
}

export interface DomainSeedResult {
  readonly events: number;
  readonly streams: number;
  /** Events checked against their Avro schema (a sample: every type at least once). */
  readonly validated: number;
  readonly byType: ReadonlyMap<string, number>;
}

/** One stream's worth of commands, decided and sealed in order. */
interface StreamPlan {
  readonly streamId: string;
  readonly tenantId: string;
  readonly events: EventToAppend[];
}

const BASE = Date.parse('2025-03-01T00:00:00.000Z');
/** Everything happens within March 2025, so the monthly budgets never roll over. */
const MONTH_MS = 27 * 24 * 3600 * 1000;
const VALIDATE_EVERY = 97;

const at = (ms: number): string => new Date(BASE + ms).toISOString();
const meta = (ms: number, actor = 'admin'): CommandMeta => ({ now: at(ms), actor });
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const prefix = (n: number): string => `nx_${n.toString(36).padStart(8, '0').slice(-8)}`;

/** Decides each command on the state so far and seals its events, as executeCommand would. */
function plan<C extends DomainCommand, E extends DomainEvent, S>(streamId: string, tenantId: string, decider: Decider<C, E, S>, commands: readonly C[]): StreamPlan {
  let state = decider.initialState();
  const events: EventToAppend[] = [];
  for (const command of commands) {
    const decided = decider.decide(command, state);
    const prevHash = events.length === 0 ? GENESIS_HASH : String(events[events.length - 1].metadata.hash);
    const commandId = randomUUID();
    const context = { tenantId, commandId, correlationId: randomUUID(), causationId: commandId, actor: command.meta.actor, occurredAt: command.meta.now };
    events.push(...sealEvents(streamId, decided, context, { firstRevision: events.length, prevHash }, currentSchemaVersion));
    state = decided.reduce(decider.evolve, state);
  }
  return { streamId, tenantId, events };
}

function rules(version: number): PolicyRules {
  return {
    allowedModels: version === 1 ? null : ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4'].slice(0, version),
    maxTokens: 1000 * 2 ** version,
    piiAction: version === 3 ? 'block' : 'redact',
    injectionAction: version === 1 ? 'flag' : 'block',
    dataRegions: version === 3 ? ['eu', 'us-east-1'] : null,
  };
}

function tenantPlans(index: number, spends: number): StreamPlan[] {
  const tenantId = `t${String(index).padStart(5, '0')}`;
  const t0 = index * 1000; // tenants register a second apart; their activity spreads over the month
  const tenant: TenantCommand[] = [{ type: 'RegisterTenant', data: { tenantId, name: `Tenant ${index}`, dataRegion: index % 3 === 0 ? 'eu' : 'global' }, meta: meta(t0) }];
  const keys = [0, 1].map((k) => {
    const keyId = `key_${k}`;
    const issue: ApiKeyCommand = {
      type: 'IssueApiKey',
      data: { tenantId, keyId, name: k === 0 ? 'gateway' : 'ci', scopes: k === 0 ? ['inference'] : ['admin-read', 'admin-write'], expiresAt: k === 0 ? null : '2026-03-01T00:00:00.000Z', keyHash: sha256(`${tenantId}/${keyId}/1`), keyPrefix: prefix(index * 4 + k * 2) },
      meta: meta(t0 + 10 + k),
    };
    const rotate: ApiKeyCommand = { type: 'RotateApiKey', data: { tenantId, keyId, keyHash: sha256(`${tenantId}/${keyId}/2`), keyPrefix: prefix(index * 4 + k * 2 + 1) }, meta: meta(t0 + MONTH_MS / 2 + k) };
    return plan(apiKeyStreamId(tenantId, keyId), tenantId, apiKeyDecider, [issue, rotate]);
  });
  const policyId = 'default';
  const policy: PolicyCommand[] = [
    { type: 'CreatePolicy', data: { tenantId, policyId, name: 'Default policy', description: 'Seeded by the projection benchmark' }, meta: meta(t0 + 20) },
    ...[1, 2, 3].map((v): PolicyCommand => ({ type: 'PublishPolicyVersion', data: { tenantId, policyId, rules: rules(v) }, meta: meta(t0 + 20 + v) })),
    { type: 'AttachPolicy', data: { tenantId, policyId }, meta: meta(t0 + 30) },
  ];
  const budgetId = 'monthly';
  const limitMicros = 50_000_000 + (index % 10) * 5_000_000;
  const meanSpend = Math.round((limitMicros * 1.2) / spends);
  const budget: BudgetCommand[] = [
    { type: 'SetBudgetLimit', data: { tenantId, budgetId, period: 'month', limitMicros, currency: 'USD', action: index % 2 === 0 ? 'block' : 'alert', alertThresholds: [50, 80, 100] }, meta: meta(t0 + 40) },
    ...Array.from({ length: spends }, (_, i): BudgetCommand => ({
      type: 'RecordSpend',
      data: { tenantId, budgetId, amountMicros: Math.round(meanSpend * (0.5 + ((i * 7919 + index) % 101) / 100)), currency: 'USD', requestId: `req_${i}` },
      meta: meta(t0 + 60_000 + Math.floor((i * (MONTH_MS - 120_000)) / spends), 'apikey:key_0'),
    })),
  ];
  return [
    plan(tenantStreamId(tenantId), tenantId, tenantDecider, tenant),
    ...keys,
    plan(policyStreamId(tenantId, policyId), tenantId, policyDecider, policy),
    plan(budgetStreamId(tenantId, budgetId), tenantId, budgetDecider, budget),
  ];
}

function deploymentPlan(index: number, priceChanges: number): StreamPlan {
  const deploymentId = `dep_${String(index).padStart(3, '0')}`;
  const provider = PROVIDERS[index % PROVIDERS.length];
  const input = 150_000 + index * 10_000;
  const commands: DeploymentCommand[] = [
    {
      type: 'RegisterDeployment',
      data: { deploymentId, provider, upstreamModel: `model-${index}`, modelAlias: `alias-${index % 10}`, region: index % 2 === 0 ? 'eu' : 'us-east-1', baseUrl: needsBaseUrl(provider) ? `http://${provider}.internal:8000` : null, credentialRef: null, inputPricePerMTokMicros: input, outputPricePerMTokMicros: input * 4, currency: 'USD', weight: 100 },
      meta: meta(index),
    },
    ...Array.from({ length: priceChanges }, (_, i): DeploymentCommand => ({
      type: 'ChangeDeploymentPrice',
      data: { deploymentId, inputPricePerMTokMicros: input + (i + 1) * 1_000, outputPricePerMTokMicros: (input + (i + 1) * 1_000) * 4, currency: 'USD' },
      meta: meta(((i + 1) * MONTH_MS) / (priceChanges + 1) + index),
    })),
  ];
  return plan(deploymentStreamId(deploymentId), PLATFORM_TENANT, deploymentDecider, commands);
}

export async function seedDomainEvents(store: EventStore, options: DomainSeedOptions): Promise<DomainSeedResult> {
  const concurrency = options.concurrentAppends ?? 200;
  const byType = new Map<string, number>();
  let events = 0;
  let streams = 0;
  let validated = 0;
  const append = async (plans: readonly StreamPlan[]): Promise<void> => {
    for (const { events: sealed } of plans) {
      for (const event of sealed) {
        const seen = byType.get(event.type) ?? 0;
        if (seen === 0 || events % VALIDATE_EVERY === 0) {
          assertValidEventData(event.type, event.data);
          validated++;
        }
        byType.set(event.type, seen + 1);
        events++;
      }
    }
    streams += plans.length;
    await Promise.all(plans.map((p) => store.appendToStream(p.streamId, p.events, 'no_stream')));
  };
  // The catalog first (tenants' gateways would route to it), then tenants in chunks of streams.
  const catalog = Array.from({ length: options.deployments }, (_, i) => deploymentPlan(i, options.priceChanges));
  for (let i = 0; i < catalog.length; i += concurrency) await append(catalog.slice(i, i + concurrency));
  const perChunk = Math.max(1, Math.floor(concurrency / 5));
  for (let t = 0; t < options.tenants; t += perChunk) {
    const chunk = Array.from({ length: Math.min(perChunk, options.tenants - t) }, (_, i) => tenantPlans(t + i, options.spendsPerBudget));
    await append(chunk.flat());
  }
  return { events, streams, validated, byType };
}
