export { SqliteReadModelStore, type SqliteReadModelStoreOptions } from './store.js';
