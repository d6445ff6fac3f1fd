import { z } from 'zod';
import { NotFoundError } from '../../domain/shared/errors.js';
import { tenantIdField } from '../../domain/shared/fields.js';
import {
  CloseTenantData,
  RegisterTenantData,
  RenameTenantData,
  SetTenantContentRetentionData,
  SetTenantDataRegionData,
  SuspendTenantData,
  tenantDecider,
  tenantStreamId,
  type TenantCommand,
  type TenantState,
} from '../../domain/tenant/index.js';
import type { AppDeps } from '../deps.js';
import { runCommand } from '../http/command-route.js';
import { commandDeps, readerFor } from '../http/deps-helpers.js';
import { PageQuery, findQuery, publicDoc, publicPage } from '../http/query.js';
import { route, type AnyRoute } from '../http/route.js';

const TenantParams = z.strictObject({ tenantId: tenantIdField });
const TenantListQuery = PageQuery.extend({ status: z.enum(['active', 'suspended', 'closed']).optional() });

const present = (state: TenantState) => ({ tenant: state });

export function tenantRoutes(deps: AppDeps): AnyRoute[] {
  const commands = commandDeps(deps);
  const tenantCommand = (tenantId: string, command: Omit<TenantCommand, 'meta'>, created = false) => ({
    streamId: tenantStreamId(tenantId),
    tenantId,
    decider: tenantDecider,
    command,
    present,
    created,
  });
  return [
    route({
      method: 'post', path: '/admin/tenants', tag: 'tenants', access: 'admin', successStatus: 201,
      summary: 'Register a tenant', body: RegisterTenantData,
      handler: (input) => runCommand(commands, input, tenantCommand(input.body.tenantId, { type: 'RegisterTenant', data: input.body }, true)),
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/rename', tag: 'tenants', access: 'admin',
      summary: 'Rename a tenant', params: TenantParams, body: RenameTenantData.omit({ tenantId: true }),
      handler: (input) => runCommand(commands, input, tenantCommand(input.params.tenantId, { type: 'RenameTenant', data: { ...input.body, ...input.params } })),
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/data-region', tag: 'tenants', access: 'admin',
      summary: "Set a tenant's data region", params: TenantParams, body: SetTenantDataRegionData.omit({ tenantId: true }),
      handler: (input) => runCommand(commands, input, tenantCommand(input.params.tenantId, { type: 'SetTenantDataRegion', data: { ...input.body, ...input.params } })),
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/suspend', tag: 'tenants', access: 'admin',
      summary: 'Suspend a tenant', params: TenantParams, body: SuspendTenantData.omit({ tenantId: true }),
      handler: (input) => runCommand(commands, input, tenantCommand(input.params.tenantId, { type: 'SuspendTenant', data: { ...input.body, ...input.params } })),
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/reactivate', tag: 'tenants', access: 'admin',
      summary: 'Reactivate a suspended tenant', params: TenantParams,
      handler: (input) => runCommand(commands, input, tenantCommand(input.params.tenantId, { type: 'ReactivateTenant', data: input.params })),
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/close', tag: 'tenants', access: 'admin',
      summary: 'Close a tenant for good', params: TenantParams, body: CloseTenantData.omit({ tenantId: true }),
      handler: (input) => runCommand(commands, input, tenantCommand(input.params.tenantId, { type: 'CloseTenant', data: { ...input.body, ...input.params } })),
    }),
    route({
      // Platform admin only, like data residency: storing prompts and completions is a data-protection
      // decision (what personal data the platform keeps, for whom), not a setting a tenant key may flip.
      method: 'put', path: '/admin/tenants/:tenantId/content-retention', tag: 'tenants', access: 'admin',
      summary: 'Opt a tenant in or out of storing prompt and completion texts on its inference events',
      params: TenantParams, body: SetTenantContentRetentionData.omit({ tenantId: true }),
      handler: (input) => runCommand(commands, input, tenantCommand(input.params.tenantId, { type: 'SetTenantContentRetention', data: { ...input.body, ...input.params } })),
    }),
    route({
      method: 'get', path: '/admin/tenants', tag: 'tenants', access: 'tenant-read',
      summary: 'List tenants (a tenant key sees only its own)', query: TenantListQuery,
      handler: async ({ query, principal }) => ({
        body: publicPage(await readerFor(deps, principal).find('tenants', findQuery(query, { status: query.status }))),
      }),
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId', tag: 'tenants', access: 'tenant-read',
      summary: 'Get a tenant', params: TenantParams,
      handler: async ({ params, principal }) => {
        const doc = await readerFor(deps, principal).get('tenants', params.tenantId);
        if (!doc) throw new NotFoundError('tenant', params.tenantId);
        return { body: publicDoc(doc) };
      },
    }),
  ];
}
