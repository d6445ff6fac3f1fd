import { z } from 'zod';
import { requireOpenTenant } from '../../commands/tenant-guard.js';
import {
  RecordSpendBody,
  ResetBudgetPeriodBody,
  SetBudgetLimitBody,
  budgetDecider,
  budgetStreamId,
  type BudgetCommand,
  type BudgetState,
} from '../../domain/budget/index.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { entityIdField, tenantIdField } from '../../domain/shared/fields.js';
import type { AppDeps } from '../deps.js';
import { runCommand } from '../http/command-route.js';
import { commandDeps, readerFor } from '../http/deps-helpers.js';
import { PageQuery, findQuery } from '../http/query.js';
import { route, type AnyRoute } from '../http/route.js';
import { budgetSpendReader } from './spend.js';

const TenantParams = z.strictObject({ tenantId: tenantIdField });
const BudgetParams = z.strictObject({ tenantId: tenantIdField, budgetId: entityIdField });
const BudgetListQuery = PageQuery.extend({ exhausted: z.enum(['true', 'false']).transform((value) => value === 'true').optional() });

/** Budget state for responses: the per-request id set is an implementation detail. */
function presentBudget(state: BudgetState): Record<string, unknown> {
  const { requestIds: _hidden, ...visible } = state as BudgetState & { requestIds?: unknown };
  return { budget: visible };
}

export function budgetRoutes(deps: AppDeps): AnyRoute[] {
  const commands = commandDeps(deps);
  const budgetCommand = (tenantId: string, budgetId: string, command: Omit<BudgetCommand, 'meta'>) => ({
    streamId: budgetStreamId(tenantId, budgetId),
    tenantId,
    decider: budgetDecider,
    command,
    present: presentBudget,
  });
  return [
    route({
      method: 'put', path: '/admin/tenants/:tenantId/budgets/:budgetId', tag: 'budgets', access: 'tenant-write',
      summary: 'Set (create or change) a budget limit per day or month', params: BudgetParams, body: SetBudgetLimitBody,
      handler: async (input) => {
        await requireOpenTenant(deps.eventStore, input.params.tenantId);
        return runCommand(commands, input, budgetCommand(input.params.tenantId, input.params.budgetId, { type: 'SetBudgetLimit', data: { ...input.params, ...input.body } }));
      },
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/budgets/:budgetId/spend', tag: 'budgets', access: 'admin',
      summary: 'Record spend against a budget (the gateway does this per request)', params: BudgetParams, body: RecordSpendBody,
      handler: (input) => runCommand(commands, input, budgetCommand(input.params.tenantId, input.params.budgetId, { type: 'RecordSpend', data: { ...input.params, ...input.body } })),
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/budgets/:budgetId/reset', tag: 'budgets', access: 'admin',
      summary: 'Start a new period if the boundary has passed (called by the scheduler)', params: BudgetParams, body: ResetBudgetPeriodBody,
      handler: (input) => runCommand(commands, input, budgetCommand(input.params.tenantId, input.params.budgetId, { type: 'ResetBudgetPeriod', data: input.params })),
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/budgets', tag: 'budgets', access: 'tenant-read',
      summary: "List a tenant's budgets with spend in the current period (recorded + from inference events)", params: TenantParams, query: BudgetListQuery,
      handler: async ({ params, query, principal }) => {
        // `exhausted` counts usage spend too, which the stored document does not hold: filter
        // after adding it. A page may then hold fewer than `limit` items; nextCursor goes on.
        const reader = readerFor(deps, principal);
        const page = await reader.find('budgets', findQuery(query, { tenantId: params.tenantId }));
        const items = await Promise.all(page.items.map(budgetSpendReader(reader)));
        return { body: { items: items.filter((item) => query.exhausted === undefined || item.exhausted === query.exhausted), nextCursor: page.nextCursor } };
      },
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/budgets/:budgetId', tag: 'budgets', access: 'tenant-read',
      summary: 'Get a budget with spend in the current period', params: BudgetParams,
      handler: async ({ params, principal }) => {
        const reader = readerFor(deps, principal);
        const doc = await reader.get('budgets', `${params.tenantId}.${params.budgetId}`);
        if (!doc) throw new NotFoundError('budget', params.budgetId);
        return { body: await budgetSpendReader(reader)(doc) };
      },
    }),
  ];
}
