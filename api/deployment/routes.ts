import { z } from 'zod';
import {
  ChangeDeploymentPriceBody,
  ChangeDeploymentWeightBody,
  DisableDeploymentBody,
  EnableDeploymentBody,
  PROVIDERS,
  RegisterDeploymentData,
  SetDeploymentCredentialRefBody,
  deploymentDecider,
  deploymentStreamId,
  type DeploymentCommand,
  type DeploymentState,
} from '../../domain/deployment/index.js';
import { NotFoundError } from '../../domain/shared/errors.js';
import { entityIdField } from '../../domain/shared/fields.js';
import { PLATFORM_TENANT } from '../../domain/shared/streams.js';
import type { AppDeps } from '../deps.js';
import { runCommand } from '../http/command-route.js';
import { commandDeps, readerFor } from '../http/deps-helpers.js';
import type { Principal } from '../http/principal.js';
import { PageQuery, findQuery, publicDoc, publicPage } from '../http/query.js';
import { route, type AnyRoute } from '../http/route.js';

const DeploymentParams = z.strictObject({ deploymentId: entityIdField });
const DeploymentListQuery = PageQuery.extend({
  modelAlias: z.string().max(100).optional(),
  provider: z.enum(PROVIDERS).optional(),
  enabled: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
});

/**
 * The deployment catalog is platform-wide: the platform admin manages it, every tenant
 * credential with read access may browse it (the read-model layer shares it).
 */
export function deploymentRoutes(deps: AppDeps): AnyRoute[] {
  const commands = commandDeps(deps);
  const deploymentCommand = (deploymentId: string, command: Omit<DeploymentCommand, 'meta'>) => ({
    streamId: deploymentStreamId(deploymentId),
    tenantId: PLATFORM_TENANT,
    decider: deploymentDecider,
    command,
    created: command.type === 'RegisterDeployment',
    present: (state: DeploymentState) => ({ deployment: state }),
  });
  const getDeployment = async (principal: Principal, deploymentId: string) => {
    const doc = await readerFor(deps, principal).get('deployments', deploymentId);
    if (!doc) throw new NotFoundError('deployment', deploymentId);
    return doc;
  };
  return [
    route({
      method: 'post', path: '/admin/deployments', tag: 'deployments', access: 'admin', successStatus: 201,
      summary: 'Register a model deployment (provider, upstream model, alias, region, base URL, credential name, prices, weight)', body: RegisterDeploymentData,
      handler: (input) => runCommand(commands, input, deploymentCommand(input.body.deploymentId, { type: 'RegisterDeployment', data: input.body })),
    }),
    route({
      method: 'post', path: '/admin/deployments/:deploymentId/weight', tag: 'deployments', access: 'admin',
      summary: "Change a deployment's routing weight", params: DeploymentParams, body: ChangeDeploymentWeightBody,
      handler: (input) => runCommand(commands, input, deploymentCommand(input.params.deploymentId, { type: 'ChangeDeploymentWeight', data: { ...input.params, ...input.body } })),
    }),
    route({
      method: 'post', path: '/admin/deployments/:deploymentId/price', tag: 'deployments', access: 'admin',
      summary: "Publish a new price version for a deployment", params: DeploymentParams, body: ChangeDeploymentPriceBody,
      handler: (input) => runCommand(commands, input, deploymentCommand(input.params.deploymentId, { type: 'ChangeDeploymentPrice', data: { ...input.params, ...input.body } })),
    }),
    route({
      method: 'post', path: '/admin/deployments/:deploymentId/disable', tag: 'deployments', access: 'admin',
      summary: 'Disable a deployment (no traffic is routed to it)', params: DeploymentParams, body: DisableDeploymentBody,
      handler: (input) => runCommand(commands, input, deploymentCommand(input.params.deploymentId, { type: 'DisableDeployment', data: { ...input.params, ...input.body } })),
    }),
    route({
      method: 'post', path: '/admin/deployments/:deploymentId/enable', tag: 'deployments', access: 'admin',
      summary: 'Re-enable a disabled deployment', params: DeploymentParams, body: EnableDeploymentBody,
      handler: (input) => runCommand(commands, input, deploymentCommand(input.params.deploymentId, { type: 'EnableDeployment', data: input.params })),
    }),
    route({
      method: 'post', path: '/admin/deployments/:deploymentId/credential-ref', tag: 'deployments', access: 'admin',
      summary: 'Name the secret a deployment calls its upstream with (null: none); the secret itself is configured on the gateway, never sent here',
      params: DeploymentParams, body: SetDeploymentCredentialRefBody,
      handler: (input) => runCommand(commands, input, deploymentCommand(input.params.deploymentId, { type: 'SetDeploymentCredentialRef', data: { ...input.params, ...input.body } })),
    }),
    route({
      method: 'get', path: '/admin/deployments', tag: 'deployments', access: 'tenant-read',
      summary: 'List the deployment catalog', query: DeploymentListQuery,
      handler: async ({ query, principal }) => ({
        body: publicPage(await readerFor(deps, principal).find('deployments', findQuery(query, { modelAlias: query.modelAlias, provider: query.provider, enabled: query.enabled }))),
      }),
    }),
    route({
      method: 'get', path: '/admin/deployments/:deploymentId', tag: 'deployments', access: 'tenant-read',
      summary: 'Get a deployment with its price history', params: DeploymentParams,
      handler: async ({ params, principal }) => ({ body: publicDoc(await getDeployment(principal, params.deploymentId)) }),
    }),
  ];
}
