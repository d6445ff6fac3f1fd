import { PLATFORM_TENANT, streamId } from '../shared/streams.js';

/** The catalog is platform-wide (managed by the platform admin): `deployment-platform.{deploymentId}`. */
export const deploymentStreamId = (deploymentId: string): string => streamId('deployment', PLATFORM_TENANT, deploymentId);
