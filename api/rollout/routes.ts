import { z } from 'zod';
import { loadStream } from '../../commands/handler.js';
import { modelAliasField } from '../../domain/deployment/commands.js';
import {
  CompleteRolloutBody,
  PauseRolloutBody,
  RampRolloutBody,
  ResumeRolloutBody,
  RollBackRolloutBody,
  StartRolloutBody,
  rolloutDecider,
  rolloutStreamId,
  type RolloutCommand,
  type RolloutState,
} from '../../domain/rollout/index.js';
import { ConflictError, NotFoundError, RuleViolationError } from '../../domain/shared/errors.js';
import { entityIdField } from '../../domain/shared/fields.js';
import { PLATFORM_TENANT } from '../../domain/shared/streams.js';
import type { AppDeps } from '../deps.js';
import { runCommand } from '../http/command-route.js';
import { commandDeps } from '../http/deps-helpers.js';
import { route, type AnyRoute } from '../http/route.js';

const RolloutParams = z.strictObject({ rolloutId: entityIdField });
const RolloutListQuery = z.strictObject({ modelAlias: modelAliasField });

/**
 * Gradual model rollout: a candidate deployment takes N % of an alias's traffic, sticky per
 * API key, ramped, paused, completed or rolled back by the platform admin. Like the catalog,
 * rollouts are platform resources. The checks that span aggregates (the candidate exists and
 * serves the alias; one running rollout per alias) run here against the gateway's catalog,
 * right before the command.
 */
export function rolloutRoutes(deps: AppDeps): AnyRoute[] {
  const commands = commandDeps(deps);
  const rolloutCommand = (rolloutId: string, command: Omit<RolloutCommand, 'meta'>) => ({
    streamId: rolloutStreamId(rolloutId),
    tenantId: PLATFORM_TENANT,
    decider: rolloutDecider,
    command,
    created: command.type === 'StartRollout',
    present: (state: RolloutState) => ({ rollout: state }),
  });
  const transition = <B extends z.ZodType>(path: string, summary: string, body: B, type: Exclude<RolloutCommand['type'], 'StartRollout'>) =>
    route({
      method: 'post', path: `/admin/rollouts/:rolloutId/${path}`, tag: 'rollouts', access: 'admin', summary, params: RolloutParams, body,
      handler: (input) => {
        const data = { ...(input.body as object), rolloutId: input.params.rolloutId } as RolloutCommand['data'];
        return runCommand(commands, input, rolloutCommand(input.params.rolloutId, { type, data } as Omit<RolloutCommand, 'meta'>));
      },
    });
  return [
    route({
      method: 'put', path: '/admin/rollouts/:rolloutId', tag: 'rollouts', access: 'admin', successStatus: 201,
      summary: 'Start a rollout of a candidate deployment for its alias at N % (sticky per API key)', params: RolloutParams, body: StartRolloutBody,
      handler: async (input) => {
        const { modelAlias, candidateDeploymentId } = input.body;
        const candidate = deps.gateway.deployment(candidateDeploymentId);
        if (candidate === null) throw new NotFoundError('deployment', candidateDeploymentId);
        if (candidate.modelAlias !== modelAlias) {
          throw new RuleViolationError('candidate_alias', `deployment '${candidateDeploymentId}' serves '${candidate.modelAlias}', not '${modelAlias}'`, { field: 'candidateDeploymentId' });
        }
        const running = deps.gateway.rolloutsFor(modelAlias).find((rollout) => rollout.status !== 'completed' && rollout.rolloutId !== input.params.rolloutId);
        if (running) throw new ConflictError(`rollout '${running.rolloutId}' is already running on '${modelAlias}'`, { rolloutId: running.rolloutId, modelAlias });
        return runCommand(commands, input, rolloutCommand(input.params.rolloutId, { type: 'StartRollout', data: { ...input.body, rolloutId: input.params.rolloutId } }));
      },
    }),
    transition('ramp', "Change the candidate's share (percent, up or down)", RampRolloutBody, 'RampRollout'),
    transition('pause', 'Hold the rollout at its share', PauseRolloutBody, 'PauseRollout'),
    transition('resume', 'Resume a paused rollout', ResumeRolloutBody, 'ResumeRollout'),
    transition('complete', 'Send the whole alias to the candidate', CompleteRolloutBody, 'CompleteRollout'),
    transition('rollback', 'Send everyone back to the baseline', RollBackRolloutBody, 'RollBackRollout'),
    route({
      method: 'get', path: '/admin/rollouts/:rolloutId', tag: 'rollouts', access: 'admin',
      summary: 'A rollout and its current share', params: RolloutParams,
      handler: async ({ params }) => {
        const { state } = await loadStream(deps.eventStore, rolloutStreamId(params.rolloutId), rolloutDecider);
        if (state.status === 'none') throw new NotFoundError('rollout', params.rolloutId);
        return { body: { rollout: state } };
      },
    }),
    route({
      method: 'get', path: '/admin/rollouts', tag: 'rollouts', access: 'admin',
      summary: 'Rollouts steering an alias (running and completed), as the gateway routes them', query: RolloutListQuery,
      handler: async ({ query }) => ({ body: { items: deps.gateway.rolloutsFor(query.modelAlias) } }),
    }),
  ];
}
