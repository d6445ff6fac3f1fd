import Router from '@koa/router';
import Koa from 'koa';
import { auditRoutes } from './audit/routes.js';
import type { AppDeps } from './deps.js';
import { authenticationMiddleware } from './http/authenticate.js';
import { bodyMiddleware } from './http/body.js';
import { errorMiddleware } from './http/errors.js';
import { requestContextMiddleware } from './http/request-context.js';
import { mountRoutes, staticRoutes, type AnyRoute, type StaticRoutes } from './http/route.js';
import { systemRoutes } from './system/routes.js';
import { tenantRoutes } from './tenant/routes.js';
import { apiKeyRoutes } from './apikey/routes.js';
import { policyRoutes } from './policy/routes.js';
import { budgetRoutes } from './budget/routes.js';
import { deploymentRoutes } from './deployment/routes.js';
import { usageRoutes } from './usage/routes.js';
import { v1Routes } from './v1/routes.js';
import { InferencePipeline } from './v1/pipeline.js';
import { inlineRecorder } from './v1/recording/recorder.js';
import { CircuitBreakers, registerCircuitGauge } from './v1/circuit-breaker.js';
import { dispatchPolicyFromConfig } from './v1/dispatch.js';
import { tenantSpendSince } from '../projections/usage/spend.js';
import { limitsRoutes } from './limits/routes.js';
import { rolloutRoutes } from './rollout/routes.js';
import { webhookRoutes } from './webhook/routes.js';

export const API_VERSION = '0.1.0';

export interface NexusApp {
  readonly koa: Koa;
  /** The control plane's routes (everything but /v1/…). */
  readonly router: Router;
  /** The data plane's routes (/v1/…), fixed paths found by one map lookup before the router is tried. */
  readonly dataPlane: StaticRoutes;
  /** Every declared route (the route table the OpenAPI document and the isolation test walk). */
  readonly routes: readonly AnyRoute[];
}

/**
 * Middleware order matters: the request context wraps everything (so the log line and the
 * latency metric see the final status), errors are mapped inside it, then credentials are
 * resolved and the body read before any route runs.
 */
/** The data plane's pipeline over the app's engines; the admin scope reads any tenant's usage (for budget seeding only). */
function inferencePipeline(deps: AppDeps): InferencePipeline {
  const usage = deps.readModels.scoped({ kind: 'admin' });
  const breakers = new CircuitBreakers();
  registerCircuitGauge(deps.metrics.registry, breakers);
  return new InferencePipeline({
    dispatchPolicy: dispatchPolicyFromConfig(deps.config),
    breakers,
    secrets: deps.secrets,
    gateway: deps.gateway,
    counters: deps.counters,
    eventStore: deps.eventStore,
    recorder: deps.recorder ?? inlineRecorder(deps.eventStore),
    logger: deps.logger,
    now: deps.now,
    spend: (tenantId, currency, since) => tenantSpendSince(usage, tenantId, currency, since),
    maxInFlight: deps.config.NEXUS_MAX_IN_FLIGHT,
    defaultMaxOutputTokens: deps.config.NEXUS_DEFAULT_MAX_OUTPUT_TOKENS,
    onRefused: (reason) => deps.metrics.gatewayRefusals.inc({ reason }),
  });
}

export function createApp(deps: AppDeps): NexusApp {
  const koa = new Koa({ proxy: false });
  const routes: AnyRoute[] = [];
  routes.push(
    ...systemRoutes(deps, () => routes, API_VERSION),
    ...tenantRoutes(deps),
    ...apiKeyRoutes(deps),
    ...policyRoutes(deps),
    ...budgetRoutes(deps),
    ...usageRoutes(deps),
    ...deploymentRoutes(deps),
    ...auditRoutes(deps),
    ...limitsRoutes(deps),
    ...rolloutRoutes(deps),
    ...webhookRoutes(deps),
    ...v1Routes(deps, inferencePipeline(deps)),
  );
  // The data plane's few fixed paths by one map lookup; the control plane's dozens (with parameters) through the router.
  const dataPlane = staticRoutes(routes.filter((spec) => spec.path.startsWith(DATA_PLANE_PREFIX)));
  const router = new Router();
  mountRoutes(router, routes.filter((spec) => !spec.path.startsWith(DATA_PLANE_PREFIX)));
  koa.use(requestContextMiddleware(deps.logger, deps.metrics));
  koa.use(errorMiddleware(deps.logger));
  koa.use(authenticationMiddleware(deps.adminToken, deps.credentials));
  koa.use(bodyMiddleware({ limitBytes: deps.config.NEXUS_BODY_LIMIT_BYTES, maxDepth: deps.config.NEXUS_JSON_MAX_DEPTH }));
  koa.use(dataPlane.middleware);
  koa.use(router.routes());
  koa.use(router.allowedMethods());
  return { koa, router, dataPlane, routes };
}

const DATA_PLANE_PREFIX = '/v1/';
