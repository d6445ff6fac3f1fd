import { z } from 'zod';
import { requireOpenTenant } from '../../commands/tenant-guard.js';
import {
  AttachPolicyBody,
  CreatePolicyBody,
  DetachPolicyBody,
  PublishPolicyVersionBody,
  policyDecider,
  policyStreamId,
  type PolicyCommand,
  type PolicyState,
} from '../../domain/policy/index.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { entityIdField, tenantIdField } from '../../domain/shared/fields.js';
import type { AppDeps } from '../deps.js';
import { runCommand } from '../http/command-route.js';
import { commandDeps, readerFor } from '../http/deps-helpers.js';
import type { Principal } from '../http/principal.js';
import { PageQuery, findQuery, publicDoc, publicPage } from '../http/query.js';
import { route, type AnyRoute } from '../http/route.js';

const TenantParams = z.strictObject({ tenantId: tenantIdField });
const PolicyParams = z.strictObject({ tenantId: tenantIdField, policyId: entityIdField });
const PolicyListQuery = PageQuery.extend({ attached: z.enum(['true', 'false']).transform((value) => value === 'true').optional() });

export function policyRoutes(deps: AppDeps): AnyRoute[] {
  const commands = commandDeps(deps);
  const policyCommand = (tenantId: string, policyId: string, command: Omit<PolicyCommand, 'meta'>) => ({
    streamId: policyStreamId(tenantId, policyId),
    tenantId,
    decider: policyDecider,
    command,
    created: command.type === 'CreatePolicy',
    present: (state: PolicyState) => ({ policy: state }),
  });
  const getPolicy = async (principal: Principal, tenantId: string, policyId: string) => {
    const doc = await readerFor(deps, principal).get('policies', `${tenantId}.${policyId}`);
    if (!doc) throw new NotFoundError('policy', policyId);
    return doc;
  };
  return [
    route({
      method: 'post', path: '/admin/tenants/:tenantId/policies', tag: 'policies', access: 'tenant-write', successStatus: 201,
      summary: 'Create a policy', params: TenantParams, body: CreatePolicyBody,
      handler: async (input) => {
        await requireOpenTenant(deps.eventStore, input.params.tenantId);
        const data = { ...input.body, tenantId: input.params.tenantId };
        return runCommand(commands, input, policyCommand(data.tenantId, data.policyId, { type: 'CreatePolicy', data }));
      },
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/policies/:policyId/versions', tag: 'policies', access: 'tenant-write', successStatus: 200,
      summary: 'Publish a new version of the policy rules', params: PolicyParams, body: PublishPolicyVersionBody,
      handler: (input) => runCommand(commands, input, policyCommand(input.params.tenantId, input.params.policyId, { type: 'PublishPolicyVersion', data: { ...input.params, ...input.body } })),
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/policies/:policyId/attach', tag: 'policies', access: 'tenant-write',
      summary: 'Attach the policy to its tenant (start enforcing its latest version)', params: PolicyParams, body: AttachPolicyBody,
      handler: (input) => runCommand(commands, input, policyCommand(input.params.tenantId, input.params.policyId, { type: 'AttachPolicy', data: input.params })),
    }),
    route({
      method: 'post', path: '/admin/tenants/:tenantId/policies/:policyId/detach', tag: 'policies', access: 'tenant-write',
      summary: 'Detach the policy from its tenant', params: PolicyParams, body: DetachPolicyBody,
      handler: (input) => runCommand(commands, input, policyCommand(input.params.tenantId, input.params.policyId, { type: 'DetachPolicy', data: input.params })),
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/policies', tag: 'policies', access: 'tenant-read',
      summary: "List a tenant's policies", params: TenantParams, query: PolicyListQuery,
      handler: async ({ params, query, principal }) => ({
        body: publicPage(await readerFor(deps, principal).find('policies', findQuery(query, { tenantId: params.tenantId, attached: query.attached }))),
      }),
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/policies/:policyId', tag: 'policies', access: 'tenant-read',
      summary: 'Get a policy with its current and past versions', params: PolicyParams,
      handler: async ({ params, principal }) => ({ body: publicDoc(await getPolicy(principal, params.tenantId, params.policyId)) }),
    }),
    route({
      method: 'get', path: '/admin/tenants/:tenantId/policies/:policyId/versions', tag: 'policies', access: 'tenant-read',
      summary: 'List the published versions of a policy', params: PolicyParams,
      handler: async ({ params, principal }) => {
        const doc = await getPolicy(principal, params.tenantId, params.policyId);
        return { body: { policyId: params.policyId, currentVersion: doc.currentVersion ?? null, versions: doc.versions ?? [] } };
      },
    }),
  ];
}
