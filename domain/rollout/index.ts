export * from './commands.js';
export * from './events.js';
export * from './state.js';
export { BASIS_POINTS_SCALE, assignsToCandidate, candidateBasisPoints, hasAtMostTwoDecimals, percentToBasisPoints, stickyBucket } from './split.js';
export { rolloutDecider } from './decide.js';
export { rolloutStreamId } from './streams.js';
