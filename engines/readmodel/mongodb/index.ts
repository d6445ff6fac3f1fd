export { MongoReadModelStore, type MongoReadModelStoreOptions } from './store.js';
export { isReadModelStoreUnavailable, ReadModelStoreUnavailableError } from './unavailable.js';
