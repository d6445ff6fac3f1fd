export { MongoReadModelStore, type MongoReadModelStoreOptions } from './store.js';
