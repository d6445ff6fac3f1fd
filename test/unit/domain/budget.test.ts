import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  RecordSpendBody,
  SetBudgetLimitBody,
  SetBudgetLimitData,
  budgetDecider,
  budgetStreamId,
  nextPeriodStart,
  periodStart,
  type BudgetCommand,
  type BudgetEvent,
} from '../../../domain/budget/index.js';
import { NotFoundError, RuleViolationError } from '../../../domain/shared/errors.js';
import { spec } from '../../support/spec.js';

const NOV_26 = '2026-11-26T10:00:00.000Z';
const NOV_1 = '2026-11-01T00:00:00.000Z';
const DEC_1 = '2026-12-01T00:00:00.000Z';
const tenantId = 'acme';
const budgetId = 'b_monthly';
const ids = { tenantId, budgetId };
type LimitData = Omit<Extract<BudgetCommand, { type: 'SetBudgetLimit' }>['data'], 'tenantId' | 'budgetId'>;
const limit: LimitData = { period: 'month', limitMicros: 100_000_000, currency: 'USD', action: 'block', alertThresholds: [50, 80, 100] };
const limitSet: BudgetEvent = { type: 'BudgetLimitSet', data: { ...ids, ...limit, periodStart: NOV_1 } };
const spent = (requestId: string, amountMicros: number, spentMicros: number, start = NOV_1): BudgetEvent =>
  ({ type: 'BudgetSpendRecorded', data: { ...ids, requestId, amountMicros, periodStart: start, spentMicros } });
const crossed = (thresholdPercent: number, spentMicros: number, start = NOV_1): BudgetEvent =>
  ({ type: 'BudgetThresholdCrossed', data: { ...ids, periodStart: start, thresholdPercent, spentMicros, limitMicros: 100_000_000, action: 'block' } });
const command = (c: Omit<BudgetCommand, 'meta'>, now = NOV_26): BudgetCommand => ({ ...c, meta: { now, actor: 'admin' } }) as BudgetCommand;
const setLimit = (changes: Partial<LimitData> = {}, now?: string) =>
  command({ type: 'SetBudgetLimit', data: { ...ids, ...limit, alertThresholds: [...limit.alertThresholds], ...changes } }, now);
const spend = (requestId: string, amountMicros: number, now?: string, currency = 'USD') =>
  command({ type: 'RecordSpend', data: { ...ids, requestId, amountMicros, currency } }, now);
const budget = spec(budgetDecider);

describe('budget periods', () => {
  it('starts months and days at UTC midnight', () => {
    expect(periodStart('month', NOV_26)).to.equal(NOV_1);
    expect(periodStart('day', NOV_26)).to.equal('2026-11-26T00:00:00.000Z');
    expect(periodStart('month', NOV_1)).to.equal(NOV_1);
    expect(periodStart('month', '2026-11-30T23:59:59.999Z')).to.equal(NOV_1);
  });
  it('uses the UTC calendar whatever the offset of the instant', () => {
    expect(periodStart('month', '2026-11-30T23:30:00-02:00')).to.equal(DEC_1);
    expect(periodStart('day', '2026-12-01T01:00:00+02:00')).to.equal('2026-11-30T00:00:00.000Z');
  });
  it('knows leap years', () => {
    expect(periodStart('day', '2028-02-29T12:00:00Z')).to.equal('2028-02-29T00:00:00.000Z');
    expect(nextPeriodStart('day', '2028-02-28T00:00:00.000Z')).to.equal('2028-02-29T00:00:00.000Z');
    expect(nextPeriodStart('day', '2027-02-28T00:00:00.000Z')).to.equal('2027-03-01T00:00:00.000Z');
    expect(nextPeriodStart('month', '2028-02-01T00:00:00.000Z')).to.equal('2028-03-01T00:00:00.000Z');
  });
  it('rolls over at the end of the year', () => {
    expect(nextPeriodStart('month', DEC_1)).to.equal('2027-01-01T00:00:00.000Z');
    expect(nextPeriodStart('day', '2026-12-31T00:00:00.000Z')).to.equal('2027-01-01T00:00:00.000Z');
  });
  it('names the stream after tenant and budget', () => expect(budgetStreamId(tenantId, budgetId)).to.equal('budget-acme.b_monthly'));
});

describe('budget command data', () => {
  it('defaults the alert thresholds to 50, 80, 100', () =>
    expect(SetBudgetLimitBody.parse({ period: 'day', limitMicros: 1, currency: 'EUR', action: 'alert' }).alertThresholds).to.deep.equal([50, 80, 100]));
  it('rejects thresholds out of range, repeated or unordered', () => {
    for (const alertThresholds of [[0], [101], [50, 50], [80, 50], [12.5]]) {
      expect(SetBudgetLimitData.safeParse({ ...ids, ...limit, alertThresholds }).success, JSON.stringify(alertThresholds)).to.equal(false);
    }
  });
  it('rejects a zero limit and a negative spend', () => {
    expect(SetBudgetLimitData.safeParse({ ...ids, ...limit, limitMicros: 0 }).success).to.equal(false);
    expect(RecordSpendBody.safeParse({ requestId: 'r1', amountMicros: -1, currency: 'USD' }).success).to.equal(false);
  });
  it('takes ids from the URL, not from the body', () =>
    expect(RecordSpendBody.safeParse({ ...ids, requestId: 'r1', amountMicros: 1, currency: 'USD' }).success).to.equal(false));
});

describe('budget decider', () => {
  describe('SetBudgetLimit', () => {
    it('creates the budget in the current period', () => budget.given([]).when(setLimit()).then([limitSet]));
    it('starts with nothing spent', () =>
      budget.given([]).when(setLimit()).thenState({
        status: 'active', ...ids, ...limit, periodStart: NOV_1, spentMicros: 0, exhausted: false, crossedThresholds: [], requestIds: new Set(),
      }));
    it('updates the limit and keeps the period spend', () =>
      budget.given([limitSet, spent('r1', 60_000_000, 60_000_000)]).when(setLimit({ limitMicros: 50_000_000 }))
        .then([{ type: 'BudgetLimitSet', data: { ...ids, ...limit, limitMicros: 50_000_000, periodStart: NOV_1 } }]));
    it('marks the budget exhausted when the new limit is below the spend', () => {
      const state = [limitSet, spent('r1', 60_000_000, 60_000_000), { type: 'BudgetLimitSet', data: { ...ids, ...limit, limitMicros: 50_000_000, periodStart: NOV_1 } } as BudgetEvent]
        .reduce(budgetDecider.evolve, budgetDecider.initialState());
      expect(state).to.include({ spentMicros: 60_000_000, exhausted: true });
    });
    it('starts a new period when the period kind changes', () =>
      budget.given([limitSet, spent('r1', 5, 5)]).when(setLimit({ period: 'day' })).then([
        { type: 'BudgetLimitSet', data: { ...ids, ...limit, period: 'day', periodStart: '2026-11-26T00:00:00.000Z' } },
        { type: 'BudgetPeriodReset', data: { ...ids, periodStart: '2026-11-26T00:00:00.000Z', previousPeriodStart: NOV_1, previousSpentMicros: 5 } },
      ]));
    it('records nothing for an identical limit', () => budget.given([limitSet]).when(setLimit()).then([]));
    it('refuses another currency', () =>
      budget.given([limitSet]).when(setLimit({ currency: 'EUR' })).thenThrows(RuleViolationError, /USD/));
  });

  describe('ObserveBudgetSpend (inference spend seen by the gateway)', () => {
    const observe = (spentMicros: number, now?: string) => command({ type: 'ObserveBudgetSpend', data: { ...ids, spentMicros } }, now);
    it('announces every threshold the observed spend reached, in order', () =>
      budget.given([limitSet]).when(observe(85_000_000)).then([crossed(50, 85_000_000), crossed(80, 85_000_000)]));
    it('announces each threshold once per period, however often it is observed', () =>
      budget.given([limitSet, crossed(50, 60_000_000)]).when(observe(70_000_000)).then([]));
    it('records no spend: the inference events carry it', () => budget.given([limitSet]).when(observe(10)).then([]));
    it('rolls into the new period before judging the spend', () =>
      budget.given([limitSet, crossed(50, 60_000_000)]).when(observe(55_000_000, '2026-12-02T00:00:00.000Z')).then([
        { type: 'BudgetPeriodReset', data: { ...ids, periodStart: DEC_1, previousPeriodStart: NOV_1, previousSpentMicros: 0 } },
        crossed(50, 55_000_000, DEC_1),
      ]));
    it('is not found for an unknown budget', () => budget.given([]).when(observe(1)).thenThrows(NotFoundError));
  });

  describe('RecordSpend', () => {
    it('records spend in the current period', () =>
      budget.given([limitSet]).when(spend('r1', 10_000_000)).then([spent('r1', 10_000_000, 10_000_000)]));
    it('is not found for an unknown budget', () => budget.given([]).when(spend('r1', 1)).thenThrows(NotFoundError, /budget 'b_monthly'/));
    it('refuses another currency', () =>
      budget.given([limitSet]).when(spend('r1', 1, NOV_26, 'EUR')).thenThrows(RuleViolationError, /EUR/));
    it('records nothing for a request already recorded in the period', () =>
      budget.given([limitSet, spent('r1', 10, 10)]).when(spend('r1', 10)).then([]));
    it('rolls into the new period before counting spend there', () =>
      budget.given([limitSet, spent('r1', 30, 30)]).when(spend('r1', 7, '2026-12-02T08:00:00.000Z')).then([
        { type: 'BudgetPeriodReset', data: { ...ids, periodStart: DEC_1, previousPeriodStart: NOV_1, previousSpentMicros: 30 } },
        spent('r1', 7, 7, DEC_1),
      ]));
    it('counts a late instant from before the period in the current period', () =>
      budget.given([limitSet]).when(spend('r1', 7, '2026-10-31T23:59:59.000Z')).then([spent('r1', 7, 7)]));
    it('announces every threshold this spend reaches, ascending, after the spend', () =>
      budget.given([limitSet, spent('r1', 10_000_000, 10_000_000)]).when(spend('r2', 75_000_000))
        .then([spent('r2', 75_000_000, 85_000_000), crossed(50, 85_000_000), crossed(80, 85_000_000)]));
    it('announces a threshold at most once per period', () =>
      budget.given([limitSet, spent('r1', 50_000_000, 50_000_000), crossed(50, 50_000_000)]).when(spend('r2', 1))
        .then([spent('r2', 1, 50_000_001)]));
    it('announces thresholds again in the next period', () =>
      budget.given([limitSet, spent('r1', 50_000_000, 50_000_000), crossed(50, 50_000_000)]).when(spend('r2', 50_000_000, '2026-12-02T08:00:00.000Z'))
        .then([
          { type: 'BudgetPeriodReset', data: { ...ids, periodStart: DEC_1, previousPeriodStart: NOV_1, previousSpentMicros: 50_000_000 } },
          spent('r2', 50_000_000, 50_000_000, DEC_1),
          crossed(50, 50_000_000, DEC_1),
        ]));
    it('records spend beyond the limit and exposes the budget as exhausted', () =>
      budget.given([limitSet, spent('r1', 90_000_000, 90_000_000), crossed(50, 90_000_000), crossed(80, 90_000_000)]).when(spend('r2', 20_000_000))
        .thenState({
          status: 'active', ...ids, ...limit, periodStart: NOV_1, spentMicros: 110_000_000, exhausted: true,
          crossedThresholds: [50, 80, 100], requestIds: new Set(['r1', 'r2']),
        }));
    it('compares thresholds exactly for amounts beyond 2^53 / 100', () => {
      const big: BudgetEvent = { type: 'BudgetLimitSet', data: { ...ids, ...limit, limitMicros: 9_000_000_000_000_003, alertThresholds: [100], periodStart: NOV_1 } };
      budget.given([big]).when(spend('r1', 9_000_000_000_000_002)).then([spent('r1', 9_000_000_000_000_002, 9_000_000_000_000_002)]);
    });
    it('refuses spend that would leave the exact integer range', () =>
      budget.given([limitSet, spent('r1', 9_007_199_254_740_990, 9_007_199_254_740_990)]).when(spend('r2', 2)).thenThrows(RuleViolationError, /exact/));
  });

  describe('ResetBudgetPeriod', () => {
    const reset = (now: string) => command({ type: 'ResetBudgetPeriod', data: ids }, now);
    it('starts the next period at the boundary', () =>
      budget.given([limitSet, spent('r1', 42, 42)]).when(reset(DEC_1)).then([
        { type: 'BudgetPeriodReset', data: { ...ids, periodStart: DEC_1, previousPeriodStart: NOV_1, previousSpentMicros: 42 } },
      ]));
    it('clears spend, thresholds and request ids', () =>
      budget.given([limitSet, spent('r1', 60_000_000, 60_000_000), crossed(50, 60_000_000)]).when(reset(DEC_1)).thenState({
        status: 'active', ...ids, ...limit, periodStart: DEC_1, spentMicros: 0, exhausted: false, crossedThresholds: [], requestIds: new Set(),
      }));
    it('records nothing while still in the same period', () => budget.given([limitSet]).when(reset('2026-11-30T23:59:59.999Z')).then([]));
    it('is not found for an unknown budget', () => budget.given([]).when(reset(DEC_1)).thenThrows(NotFoundError));
  });
});
