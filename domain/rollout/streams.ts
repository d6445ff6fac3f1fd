import { PLATFORM_TENANT, streamId } from '../shared/streams.js';

/** Rollouts act on the platform catalog, so they are platform-wide: `rollout-platform.{rolloutId}`. */
export const rolloutStreamId = (rolloutId: string): string => streamId('rollout', PLATFORM_TENANT, rolloutId);
