import { randomUUID } from 'node:crypto';
import { executeCommand } from '../../commands/handler.js';
import { budgetDecider, budgetStreamId } from '../../domain/budget/index.js';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { estimateMaxCostMicros } from '../../domain/inference/cost.js';
import { ForbiddenError, NexusError } from '../../domain/shared/errors.js';
import { ENTITY_ID_PATTERN } from '../../domain/shared/streams.js';
import { timeOrderedUuid } from '../../domain/shared/time-ordered-id.js';
import type { CountersUnavailableError, Counters } from '../../engines/counters/port.js';
import type { EventStore } from '../../engines/eventstore/port.js';
import type { SecretSource } from '../../engines/secrets/port.js';
import type { ChatCompletionRequest } from '../../engines/providers/port.js';
import type { GatewayState } from '../../projections/cache/gateway-state.js';
import type { CachedBudget, CachedDeployment } from '../../projections/cache/snapshots.js';
import type { Principal } from '../http/principal.js';
import { InFlightGate } from './admission/backpressure.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { withFallback, type DeploymentCall, type DispatchPolicy, type Dispatched } from './dispatch.js';
import { BudgetExhausted, BudgetGuard, type BudgetClaim, type SpendSource } from './admission/budgets.js';
import { CounterAdmission, type CounterClaims, type CounterHold } from './admission/counters.js';
import { leaseClaims, rateLimitCharges } from './admission/limits.js';
import { evaluatePolicies } from './admission/policy.js';
import { GatewayError } from './errors.js';
import { billOf, type Bill, type Ending, type Rejection, type RequestFacts, type Served } from './recording/record.js';
import type { OutcomeRecorder } from './recording/recorder.js';
import { routeFor } from './routing.js';

export interface PipelineDeps {
  readonly gateway: GatewayState;
  readonly counters: Counters;
  /** Budget threshold announcements (control-plane events). */
  readonly eventStore: EventStore;
  /** The usage events (InferenceCompleted / Failed / Rejected), on a worker thread or inline. */
  readonly recorder: OutcomeRecorder;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly spend: SpendSource;
  readonly maxInFlight: number;
  /** Output tokens assumed (and enforced upstream) for a request that sets no max_tokens while a budget or policy needs a bound. */
  readonly defaultMaxOutputTokens: number;
  /** Retries, backoff, timeouts and breaker thresholds for upstream calls. */
  readonly dispatchPolicy: DispatchPolicy;
  /** One registry per process: every request sees (and feeds) the same breaker per deployment. */
  readonly breakers: CircuitBreakers;
  /** Resolves deployments' credentialRefs to provider keys, in memory. */
  readonly secrets: SecretSource;
  /** Counts refusals and fail-open events for /metrics. */
  readonly onRefused?: (reason: string) => void;
}

/** What a caller asks admission for, in any surface (chat, embeddings, Anthropic messages). */
export interface AdmissionRequest {
  readonly modelAlias: string;
  readonly stream: boolean;
  readonly request: ChatCompletionRequest;
  /** Prompt tokens for a deployment's tokenizer. */
  readonly promptTokens: (upstreamModel: string) => number;
  /** Output tokens the request may produce; null = unbounded (admission then bounds it). */
  readonly maxOutputTokens: number | null;
  /** Whether max_tokens may be set on the upstream request (not for embeddings, which have no output). */
  readonly boundsOutput: boolean;
}

type TenantKey = Extract<Principal, { kind: 'apikey' }>;

const elapsed = (since: number): number => Math.max(0, Math.round(performance.now() - since));

/**
 * The inference pipeline every data-plane surface goes through:
 *
 *   key → capacity → route (rollout) → policy → counters (rate limits, concurrency, budget: one step) → [dispatch] → record → settle
 *
 * Admission refuses with a GatewayError (429/503 with Retry-After, 403, 404) before any
 * provider is called; budget and policy refusals are recorded as InferenceRejected. An
 * admitted request holds a capacity slot, leases and a budget reservation until `conclude`,
 * which records the outcome (the durable usage event) and then settles the reservation at
 * the actual cost: exactly once, whatever path the request took.
 */
export class InferencePipeline {
  private readonly gate: InFlightGate;
  private readonly budgets: BudgetGuard;
  private readonly counters: CounterAdmission;

  constructor(private readonly deps: PipelineDeps) {
    this.gate = new InFlightGate(deps.maxInFlight);
    this.budgets = new BudgetGuard(deps.counters, deps.spend, (budget, spentMicros) => void this.announceThresholds(budget, spentMicros));
    this.counters = new CounterAdmission(
      deps.counters,
      this.budgets,
      (check, error) => this.failOpen(check, error),
      (error, holder) => deps.logger.error({ err: error, requestId: holder }, 'budget settlement failed; the reservation expires on its own'),
    );
  }

  get inFlight(): number {
    return this.gate.current;
  }

  async admit(principal: Principal, ctx: Context, asked: AdmissionRequest): Promise<Admission> {
    const key = this.servingKey(principal);
    try {
      return await this.admitKey(key, ctx, asked);
    } catch (error) {
      // Every refusal of admission, whichever check made it, is counted here once.
      if (error instanceof GatewayError) this.deps.onRefused?.(error.code);
      throw error;
    }
  }

  private async admitKey(key: TenantKey, ctx: Context, asked: AdmissionRequest): Promise<Admission> {
    const leave = this.gate.enter();
    try {
      const requestId = requestIdFor(ctx);
      const route = routeFor(this.deps.gateway, asked.modelAlias, key.keyId);
      if (route.order.length === 0) {
        throw new GatewayError(`The model '${asked.modelAlias}' does not exist or you do not have access to it.`, { status: 404, type: 'not_found_error', code: 'model_not_found', param: 'model' });
      }
      const base = { tenantId: key.tenantId, keyId: key.keyId, requestId, correlationId: String(ctx.state.correlationId), modelAlias: asked.modelAlias };
      const decision = evaluatePolicies(this.deps.gateway.policiesFor(key.tenantId), { modelAlias: asked.modelAlias, maxOutputTokens: asked.maxOutputTokens }, route.order);
      if (!decision.allowed) {
        await this.reject({ ...base, reason: 'policy_denied', detail: decision.detail });
        throw new GatewayError(decision.detail, { status: 403, type: 'permission_error', code: 'policy_denied', param: decision.param });
      }
      const order = decision.deployments;
      const budgets = this.deps.gateway.budgetsFor(key.tenantId);
      const needsBound = decision.maxTokensCap !== null || budgets.some((budget) => budget.action === 'block');
      const maxOutput = asked.maxOutputTokens ?? (needsBound ? Math.min(decision.maxTokensCap ?? Infinity, this.deps.defaultMaxOutputTokens) : this.deps.defaultMaxOutputTokens);
      // An unbounded request under a budget or cap is bounded upstream, so its reservation covers its whole cost.
      const request = asked.boundsOutput && asked.maxOutputTokens === null && needsBound ? { ...asked.request, max_tokens: maxOutput } : asked.request;
      const promptTokens = asked.promptTokens(order[0].upstreamModel);
      const outputTokens = asked.boundsOutput ? maxOutput : 0;
      const caller = { tenantId: key.tenantId, keyId: key.keyId };
      const limits = this.deps.gateway.limitsFor(key.tenantId);
      const facts: RequestFacts = { ...base, stream: asked.stream, request, rolloutId: route.rolloutId, storeContent: this.deps.gateway.tenant(key.tenantId)?.storeContent === true };
      const counters = await this.takeCounters(base, {
        holder: requestId,
        rateLimits: rateLimitCharges(caller, limits, promptTokens + outputTokens),
        leases: leaseClaims(caller, limits),
        budgets: budgets.length === 0 ? [] : this.budgetClaims(budgets, order, promptTokens, outputTokens),
      });
      return new Admission(this.deps, facts, order, { leave, counters });
    } catch (error) {
      leave();
      throw error;
    }
  }

  /** The 'inference' access rule already refused the admin token; this narrows the type and checks the tenant is serving. */
  servingKey(principal: Principal): TenantKey {
    if (principal.kind !== 'apikey') throw new ForbiddenError('the data plane needs a tenant API key');
    const status = this.deps.gateway.tenant(principal.tenantId)?.status;
    // A suspended tenant's keys still authenticate (so the admin API can explain), but it may not spend.
    if (status !== 'active') throw new ForbiddenError(`tenant '${principal.tenantId}' is ${status ?? 'unknown'}: inference is refused until it is reactivated`);
    return principal;
  }

  private budgetClaims(budgets: readonly CachedBudget[], order: readonly CachedDeployment[], promptTokens: number, maxOutput: number): BudgetClaim[] {
    // Fallbacks may land on a dearer deployment: reserve what the dearest one in the chain would cost.
    const currency = order[0].price.currency;
    const amount = Math.max(...order.filter((deployment) => deployment.price.currency === currency).map((deployment) => estimateMaxCostMicros(promptTokens, maxOutput, deployment.price)));
    return this.budgets.claims(budgets, amount, currency, this.deps.now());
  }

  /** Rate limits, concurrency and budget reservations in one step; a budget refusal is recorded (InferenceRejected). */
  private async takeCounters(base: Omit<Rejection, 'reason' | 'detail'>, claims: CounterClaims): Promise<CounterHold> {
    try {
      return await this.counters.take(claims);
    } catch (error) {
      if (error instanceof BudgetExhausted) await this.reject({ ...base, reason: 'budget_exhausted', detail: error.message });
      throw error;
    }
  }

  /** Records the thresholds a budget's spend reached (BudgetThresholdCrossed, once per period) off the request path. */
  private async announceThresholds(budget: CachedBudget, spentMicros: number): Promise<void> {
    const occurredAt = this.deps.now().toISOString();
    const actor = 'gateway';
    try {
      await executeCommand(
        this.deps.eventStore,
        budgetStreamId(budget.tenantId, budget.budgetId),
        budgetDecider,
        { type: 'ObserveBudgetSpend', data: { tenantId: budget.tenantId, budgetId: budget.budgetId, spentMicros }, meta: { now: occurredAt, actor } },
        { tenantId: budget.tenantId, commandId: randomUUID(), correlationId: randomUUID(), causationId: budget.budgetId, actor, occurredAt },
      );
    } catch (error) {
      this.deps.logger.error({ err: error, tenantId: budget.tenantId, budgetId: budget.budgetId }, 'budget threshold not announced');
    }
  }

  private async reject(rejection: Rejection): Promise<void> {
    try {
      await this.deps.recorder.rejection(rejection, this.deps.now());
    } catch (error) {
      // The refusal stands either way; a lost record is an operator alarm.
      this.deps.logger.error({ err: error, requestId: rejection.requestId, tenantId: rejection.tenantId }, 'inference rejection not recorded');
    }
  }

  private failOpen(check: string, error: CountersUnavailableError): void {
    this.deps.onRefused?.(`fail_open_${check.replace(/\s+/g, '_')}`);
    this.deps.logger.warn({ err: error, check }, 'counters unavailable: check skipped (fails open)');
  }
}

interface Holdings {
  readonly leave: () => void;
  readonly counters: CounterHold;
}

/** Retries for recording an outcome: the answer is already served, so the record is worth a few tries. */
const RECORD_RETRY_DELAYS_MS = [50, 250, 1_000];

/** An admitted request: what to send, where, and the one way out (`conclude`). */
export class Admission {
  readonly startedAt = performance.now();
  private concluded = false;

  constructor(
    private readonly deps: PipelineDeps,
    readonly facts: RequestFacts,
    readonly order: readonly CachedDeployment[],
    private readonly holdings: Holdings,
  ) {}

  elapsedMs(): number {
    return elapsed(this.startedAt);
  }

  /**
   * Calls the route's deployments through the fallback chain (retries, breakers). If the
   * dispatch itself throws (the client went away mid-wait, or a bug), the admission is
   * abandoned before the error propagates, so no slot, lease or reservation leaks.
   */
  async dispatch<T>(call: DeploymentCall<T>, signal?: AbortSignal): Promise<Dispatched<T>> {
    try {
      return await withFallback(this.order, call, { policy: this.deps.dispatchPolicy, breakers: this.deps.breakers, secrets: this.deps.secrets, signal });
    } catch (error) {
      // The client left before any answer (or the gateway failed): nothing was served, so
      // nothing is billed or recorded; the slot, leases and reservation are given back.
      await this.abandon();
      if (signal?.aborted) throw new GatewayError('the client closed the connection before an answer', { status: 499, type: 'invalid_request_error', code: 'client_closed_request' });
      throw error;
    }
  }

  /** Frees what admission took, recording nothing. Idempotent, like conclude. */
  private async abandon(): Promise<void> {
    if (this.concluded) return;
    this.concluded = true;
    await this.holdings.counters.conclude(null);
    this.holdings.leave();
  }

  /**
   * Records the outcome, then settles the budget at the billed cost (or releases it), frees
   * the leases and the capacity slot. Idempotent; never throws (a failure to record is
   * logged after retries — the client has its answer, and the reservation still settles).
   */
  async conclude(served: Served, ending: Ending): Promise<void> {
    if (this.concluded) return;
    this.concluded = true;
    const bill = billOf(served, ending);
    try {
      await this.recordWithRetries(served, ending, bill);
      // Settled at the bill even if the record failed after its retries: the money was spent upstream.
      await this.holdings.counters.conclude(bill.costMicros > 0 ? bill.costMicros : null);
    } finally {
      this.holdings.leave();
    }
  }

  private async recordWithRetries(served: Served, ending: Ending, bill: Bill): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.recorder.outcome({ facts: this.facts, served, ending, bill, now: this.deps.now() });
        return;
      } catch (error) {
        const delay = RECORD_RETRY_DELAYS_MS[attempt];
        // A conflict means an earlier try did land (the stream exists): recorded once, as intended.
        if (error instanceof NexusError && error.kind === 'conflict') return;
        // Other domain errors will not change on a retry; engine errors may.
        if (delay === undefined || error instanceof NexusError) {
          this.deps.logger.error({ err: error, requestId: this.facts.requestId, tenantId: this.facts.tenantId }, 'inference outcome not recorded');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

/**
 * The inference stream is named by the request id. A client-chosen X-Request-Id could name a
 * stream that already exists (a retry), which would make recording fail after the answer was
 * generated; so only the id the gateway generated is reused, otherwise a fresh one is issued.
 */
function requestIdFor(ctx: Context): string {
  const current = String(ctx.state.requestId);
  if (ctx.get('x-request-id') !== current && ENTITY_ID_PATTERN.test(current)) return current;
  const fresh = `req_${timeOrderedUuid()}`;
  ctx.set('X-Request-Id', fresh);
  return fresh;
}
