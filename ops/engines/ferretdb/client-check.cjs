// Client check for ops/engines/ferretdb.sh: runs the operations NexusAI needs against FerretDB
// with the official `mongodb` driver and prints which work. The driver is NOT a dependency of
// this repo; install it in a scratch folder outside the repo and point NODE_PATH at it:
//
//   mkdir -p /tmp/ferret-check && (cd /tmp/ferret-check && npm init -y >/dev/null && npm i mongodb@6)
//   eval "$(ops/engines/ferretdb.sh start)"
//   NODE_PATH=/tmp/ferret-check/node_modules node ops/engines/ferretdb/client-check.cjs
//
// Exit code 1 when any step fails (transactions are expected to fail on FerretDB 1.x).
const { MongoClient } = require('mongodb');
const url = process.env.NEXUS_MONGO_URL || 'mongodb://127.0.0.1:27018/';
const results = [];
async function step(name, fn) {
  const t0 = performance.now();
  try {
    const out = await fn();
    results.push({ name, ok: true, ms: +(performance.now() - t0).toFixed(1), out });
  } catch (e) {
    results.push({ name, ok: false, ms: +(performance.now() - t0).toFixed(1), err: `${e.codeName || e.name}: ${e.message}` });
  }
}
(async () => {
  const t0 = performance.now();
  const client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 3000 });
  const connectMs = +(performance.now() - t0).toFixed(1);
  const db = client.db('nexus_check_' + Date.now());
  const c = db.collection('runs');
  await step('ping', () => db.admin().command({ ping: 1 }));
  await step('buildInfo', async () => { const b = await db.admin().command({ buildInfo: 1 }); return { version: b.version, ferretdb: b.ferretdbVersion }; });
  await step('insertOne', async () => { const r = await c.insertOne({ _id: 'a', tenant: 't1', n: 1, tags: ['x'] }); return r.insertedId; });
  await step('insertOne duplicate _id -> E11000 expected', async () => {
    try { await c.insertOne({ _id: 'a' }); return 'NO ERROR (unexpected)'; } catch (e) { if (e.code === 11000) return 'code 11000'; throw e; }
  });
  await step('updateOne $set upsert (insert)', async () => {
    const r = await c.updateOne({ _id: 'b', tenant: 't1' }, { $set: { n: 5, status: 'new' } }, { upsert: true });
    return { matched: r.matchedCount, modified: r.modifiedCount, upsertedId: r.upsertedId };
  });
  await step('updateOne $set upsert (update existing)', async () => {
    const r = await c.updateOne({ _id: 'b', tenant: 't1' }, { $set: { status: 'done' }, $inc: { n: 1 } }, { upsert: true });
    return { matched: r.matchedCount, modified: r.modifiedCount, upsertedId: r.upsertedId };
  });
  await step('updateOne upsert with non-_id filter', async () => {
    const r = await c.updateOne({ tenant: 't2', key: 'k1' }, { $set: { n: 3 }, $setOnInsert: { created: 1 } }, { upsert: true });
    const doc = await c.findOne({ tenant: 't2', key: 'k1' });
    return { upsertedId: r.upsertedId, doc };
  });
  await step('createIndex compound', () => c.createIndex({ tenant: 1, n: -1 }, { name: 'tenant_n' }));
  await step('createIndex unique', () => c.createIndex({ tenant: 1, key: 1 }, { unique: true, name: 'tenant_key_u' }));
  await step('unique index enforced', async () => {
    try { await c.insertOne({ tenant: 't2', key: 'k1' }); return 'NO ERROR (unique not enforced)'; } catch (e) { if (e.code === 11000) return 'code 11000'; throw e; }
  });
  await step('listIndexes', async () => (await c.listIndexes().toArray()).map((i) => i.name));
  await step('bulkWrite (insert/update/upsert/delete, ordered)', async () => {
    const r = await c.bulkWrite([
      { insertOne: { document: { _id: 'c', tenant: 't1', n: 2 } } },
      { insertOne: { document: { _id: 'd', tenant: 't1', n: 9 } } },
      { updateOne: { filter: { _id: 'c' }, update: { $set: { status: 'bulk' } } } },
      { updateOne: { filter: { _id: 'e', tenant: 't1' }, update: { $set: { n: 7 } }, upsert: true } },
      { replaceOne: { filter: { _id: 'a' }, replacement: { tenant: 't1', n: 4, replaced: true } } },
      { deleteOne: { filter: { _id: 'd' } } },
    ]);
    return { inserted: r.insertedCount, matched: r.matchedCount, modified: r.modifiedCount, upserted: r.upsertedCount, deleted: r.deletedCount };
  });
  await step('bulkWrite unordered with a duplicate', async () => {
    try {
      await c.bulkWrite([{ insertOne: { document: { _id: 'f', tenant: 't1' } } }, { insertOne: { document: { _id: 'f' } } }, { insertOne: { document: { _id: 'g', tenant: 't1' } } }], { ordered: false });
      return 'NO ERROR (unexpected)';
    } catch (e) { return { code: e.code, inserted: e.result?.insertedCount, writeErrors: e.writeErrors?.length }; }
  });
  await step('find filter + sort', async () => (await c.find({ tenant: 't1', n: { $gte: 2 } }).sort({ n: -1, _id: 1 }).toArray()).map((d) => [d._id, d.n]));
  await step('find projection + limit + skip', async () => await c.find({ tenant: 't1' }, { projection: { _id: 1, n: 1 } }).sort({ _id: 1 }).skip(1).limit(2).toArray());
  await step('find $in / $exists / dotted', async () => (await c.find({ _id: { $in: ['a', 'b', 'zz'] }, n: { $exists: true } }).toArray()).map((d) => d._id));
  await step('countDocuments', () => c.countDocuments({ tenant: 't1' }));
  await step('findOneAndUpdate returnDocument after', async () => (await c.findOneAndUpdate({ _id: 'b' }, { $inc: { n: 10 } }, { returnDocument: 'after' })));
  await step('deleteOne', async () => { const r = await c.deleteOne({ _id: 'c' }); return r.deletedCount; });
  await step('deleteOne missing', async () => (await c.deleteOne({ _id: 'nope' })).deletedCount);
  await step('aggregate $match/$group/$sort', async () => await c.aggregate([{ $match: { tenant: 't1' } }, { $group: { _id: '$tenant', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }]).toArray());
  // FerretDB 1.24 bug: with several $sum accumulators in one $group only the first is right, the others are 0.
  await step('aggregate $group with two $sum (FerretDB bug check)', async () => {
    const [g] = await c.aggregate([{ $match: { tenant: 't1' } }, { $group: { _id: '$tenant', total: { $sum: '$n' }, count: { $sum: 1 } } }]).toArray();
    const count = await c.countDocuments({ tenant: 't1' });
    if (g.count !== count) throw new Error(`second $sum gave count=${g.count}, expected ${count} (total=${g.total})`);
    return g;
  });
  await step('transaction (withTransaction)', async () => {
    const s = client.startSession();
    try { await s.withTransaction(async () => { await c.insertOne({ _id: 'tx', tenant: 't1' }, { session: s }); }); return 'committed'; } finally { await s.endSession(); }
  });
  await step('dropDatabase', () => db.dropDatabase());
  await client.close();
  console.log(JSON.stringify({ url, driver: require('mongodb/package.json').version, connectMs, results }, null, 1));
  process.exit(results.some((r) => !r.ok) ? 1 : 0);
})().catch((e) => { console.error('FATAL', e); process.exit(2); });
