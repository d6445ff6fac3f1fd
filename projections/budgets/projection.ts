import { toDomainEvent } from '../../commands/handler.js';
import type { BudgetAction } from '../../domain/budget/commands.js';
import type { BudgetEvent } from '../../domain/budget/events.js';
import type { BudgetPeriod } from '../../domain/budget/period.js';
import { assertNever } from '../../domain/shared/errors.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Projection } from '../runtime/projection.js';
import { eventTypeGuard, occurredAt, streamOf, tenantScopedId } from '../shared/recorded.js';

/**
 * One budget and its spend in the current period. id = `${tenantId}.${budgetId}`.
 * The aggregate's per-request id set (its duplicate guard) is deliberately left out: it
 * grows with traffic and nobody reading a budget needs it. Spend figures are copied from
 * the events (which carry the running total) rather than summed here, so a read model
 * can never drift from the aggregate's own arithmetic.
 */
export interface BudgetDoc extends Doc {
  readonly budgetId: string;
  readonly period: BudgetPeriod;
  readonly limitMicros: number;
  readonly currency: string;
  readonly action: BudgetAction;
  readonly alertThresholds: readonly number[];
  readonly periodStart: string;
  /** Spend recorded in the current period (micro-units of `currency`). */
  readonly spentMicros: number;
  /** Threshold percents announced in the current period, in the order they were crossed. */
  readonly thresholdsCrossed: readonly number[];
  /** spent ≥ limit. */
  readonly exhausted: boolean;
  readonly updatedAt: string;
}

const isBudgetEventType = eventTypeGuard<BudgetEvent['type']>({
  BudgetLimitSet: true,
  BudgetPeriodReset: true,
  BudgetSpendRecorded: true,
  BudgetThresholdCrossed: true,
});

function evolveBudget(doc: BudgetDoc | null, recorded: RecordedEvent): BudgetDoc | null {
  const event = toDomainEvent<BudgetEvent>(recorded);
  const at = occurredAt(recorded);
  if (event.type === 'BudgetLimitSet') {
    const { tenantId, budgetId, period, limitMicros, currency, action, alertThresholds, periodStart } = event.data;
    const config = { period, limitMicros, currency, action, alertThresholds: [...alertThresholds], periodStart };
    if (doc === null) {
      const id = tenantScopedId(tenantId, budgetId);
      return { id, tenantId, _position: recorded.position, budgetId, ...config, spentMicros: 0, thresholdsCrossed: [], exhausted: false, updatedAt: at };
    }
    // A new limit keeps the period's spend (as the aggregate does); a change of period kind
    // is followed by its own BudgetPeriodReset.
    return { ...doc, _position: recorded.position, ...config, exhausted: doc.spentMicros >= limitMicros, updatedAt: at };
  }
  if (doc === null) return null; // a budget stream cannot start without a limit; ignore defensively
  const touched = { ...doc, _position: recorded.position, updatedAt: at };
  switch (event.type) {
    case 'BudgetPeriodReset':
      return { ...touched, periodStart: event.data.periodStart, spentMicros: 0, thresholdsCrossed: [], exhausted: false };
    case 'BudgetSpendRecorded': {
      const { spentMicros } = event.data;
      return { ...touched, spentMicros, exhausted: spentMicros >= doc.limitMicros };
    }
    case 'BudgetThresholdCrossed': {
      const percent = event.data.thresholdPercent;
      // The aggregate announces each threshold once per period; the guard keeps the list a set regardless.
      const thresholdsCrossed = doc.thresholdsCrossed.includes(percent) ? doc.thresholdsCrossed : [...doc.thresholdsCrossed, percent];
      return { ...touched, thresholdsCrossed };
    }
    default:
      return assertNever(event, 'budget event');
  }
}

export const budgetsProjection: Projection = {
  name: 'budgets',
  version: 1,
  collection: 'budgets',
  indexes: ['exhausted'],
  categories: ['budget'],
  documentId(event) {
    if (!isBudgetEventType(event.type)) return null;
    const stream = streamOf(event, 'budget');
    return stream === null ? null : tenantScopedId(stream.tenantId, stream.entityId);
  },
  evolve(doc, event) {
    if (!isBudgetEventType(event.type)) return doc;
    return evolveBudget(doc as BudgetDoc | null, event);
  },
};
