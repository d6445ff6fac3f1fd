export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { BUDGET_PERIODS, isLaterPeriod, nextPeriodStart, periodStart, type BudgetPeriod } from './period.js';
export { budgetDecider } from './decide.js';
export { budgetStreamId } from './streams.js';
