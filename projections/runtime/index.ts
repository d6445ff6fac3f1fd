export type { Projection } from './projection.js';
export { checkpointName, physicalCollection, versionOfPhysical } from './projection.js';
export { ProjectionRunner, type ProjectionRunnerOptions, type ProjectionStatus, type RebuildResult, type WaitOptions } from './runner.js';
export type { WorkerState } from './worker.js';
export { PROJECTION_LAG_METRIC } from './metrics.js';
export { ReadModels, DEFAULT_SHARED_COLLECTIONS, type ReadModelsOptions, type ReadScope, type ScopedReadModels } from './read-models.js';
export { compareCollections, type CollectionDiff, type CompareOptions } from './compare.js';
