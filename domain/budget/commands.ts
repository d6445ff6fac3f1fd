import { z } from 'zod';
import type { DomainCommand } from '../shared/decider.js';
import { currencyField, entityIdField, microsField, tenantIdField } from '../shared/fields.js';
import { BUDGET_PERIODS } from './period.js';

/** What the gateway does once the limit is reached: refuse requests, or only alert. */
export const BUDGET_ACTIONS = ['block', 'alert'] as const;
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];

/** Percents of the limit; ascending and unique so each crossing is announced once and in order. */
const alertThresholdsField = z
  .array(z.number().int().min(1).max(100))
  .refine((percents) => percents.every((percent, i) => i === 0 || percent > percents[i - 1]), 'unique percents in ascending order')
  .default(() => [50, 80, 100]);

/** Command data schemas (strict: unknown fields are rejected). */
export const SetBudgetLimitData = z.strictObject({
  tenantId: tenantIdField,
  budgetId: entityIdField,
  period: z.enum(BUDGET_PERIODS),
  limitMicros: microsField.positive(),
  currency: currencyField,
  action: z.enum(BUDGET_ACTIONS),
  alertThresholds: alertThresholdsField,
});
export const RecordSpendData = z.strictObject({
  tenantId: tenantIdField,
  budgetId: entityIdField,
  amountMicros: microsField,
  currency: currencyField,
  requestId: entityIdField,
});
export const ResetBudgetPeriodData = z.strictObject({ tenantId: tenantIdField, budgetId: entityIdField });
/**
 * The gateway observed the period's total spend (from the counters that enforce the budget;
 * the spend itself is recorded by the inference events): announces the thresholds it reached.
 */
export const ObserveBudgetSpendData = z.strictObject({ tenantId: tenantIdField, budgetId: entityIdField, spentMicros: microsField });

/** HTTP bodies: tenantId and budgetId come from the URL, so the bodies omit them. */
export const SetBudgetLimitBody = SetBudgetLimitData.omit({ tenantId: true, budgetId: true });
export const RecordSpendBody = RecordSpendData.omit({ tenantId: true, budgetId: true });
export const ResetBudgetPeriodBody = ResetBudgetPeriodData.omit({ tenantId: true, budgetId: true });

export type BudgetCommand =
  | DomainCommand<'SetBudgetLimit', z.infer<typeof SetBudgetLimitData>>
  | DomainCommand<'RecordSpend', z.infer<typeof RecordSpendData>>
  | DomainCommand<'ResetBudgetPeriod', z.infer<typeof ResetBudgetPeriodData>>
  | DomainCommand<'ObserveBudgetSpend', z.infer<typeof ObserveBudgetSpendData>>;
