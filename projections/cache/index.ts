export { GatewayState, type CacheDeadLetter, type GatewayStateOptions, type GatewayStateStatus } from './gateway-state.js';
export { CachedCredentials, type CachedCredentialsOptions } from './credentials.js';
export { CategoryFold, type StreamFolder } from './category-fold.js';
export { SNAPSHOT_FORMAT, type GatewaySnapshot } from './snapshot-io.js';
export { expiryInstant, isKeyUsable, isKeyUsableAt, isUnexpiredAt, tenantAdmitsKeys, type ExpiryInstant, type KeyFacts } from './key-rules.js';
export { deepFreeze, type CachedDeployment, type CachedKey, type CachedPolicy, type CachedRollout, type CachedTenant, type Frozen } from './snapshots.js';
