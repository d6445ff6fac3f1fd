import { randomBytes } from 'node:crypto';
import { MongoReadModelStore } from '../../engines/readmodel/mongodb/index.js';
import { type MongoServer, startMongoOrSkip } from '../support/ferretdb.js';
import { readModelStoreContract } from './read-model-store.contract.js';

/**
 * The MongoDB adapter against NEXUS_MONGO_URL, or against FerretDB started here when
 * ops/engines/ferretdb.sh has built it. Without either the suite is pending, unless
 * NEXUS_REQUIRE_MONGO=1. Each run works in a fresh database and drops it at the end.
 */
describe('MongoReadModelStore (MongoDB wire protocol)', function () {
  let server: MongoServer | undefined;
  const database = `nexus_rm_test_${randomBytes(6).toString('hex')}`;
  const url = () => {
    if (!server) throw new Error('no MongoDB server');
    return server.url;
  };

  before(async function () {
    this.timeout(90_000);
    server = await startMongoOrSkip(this);
  });
  after(async function () {
    this.timeout(30_000);
    if (!server) return;
    const store = await MongoReadModelStore.connect({ url: url(), database });
    await store.dropDatabase();
    await store.close();
    await server.stop();
  });

  readModelStoreContract('MongoReadModelStore', async () => {
    const store = await MongoReadModelStore.connect({ url: url(), database });
    return { store, cleanup: () => store.close() };
  });
});
