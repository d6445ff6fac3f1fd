export type { Projection } from './projection.js';
export { checkpointName, physicalCollection, versionOfPhysical } from './projection.js';
export { ProjectionRunner, type ProjectionRunnerOptions, type ProjectionStatus, type RebuildResult, type WaitOptions } from './runner.js';
export type { WorkerState } from './worker.js';
export { PROJECTION_FAILURES_METRIC, PROJECTION_LAG_METRIC, PROJECTION_PAUSED_METRIC, registerHealthGauges, registerLagGauge, type HealthSample, type LagSample } from './metrics.js';
export { ReadModels, DEFAULT_SHARED_COLLECTIONS, type ReadModelsOptions, type ReadScope, type ScopedReadModels } from './read-models.js';
export { compareAcross, compareCollections, type CollectionDiff, type CollectionRef, type CompareOptions } from './compare.js';
