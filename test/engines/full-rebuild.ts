import { expect } from 'chai';
import type { EventStore } from '../../engines/eventstore/port.js';
import type { ReadModelStore } from '../../engines/readmodel/port.js';
import { checkpointName, compareAcross, type Projection, ProjectionRunner, versionOfPhysical } from '../../projections/runtime/index.js';

/**
 * Builds every projection from position 0 into `fresh` (a store that has never seen these
 * projections), then asserts that each logical collection of `live` holds exactly the same
 * documents, `_position` included, and that neither side dead-lettered anything the other did not.
 */
export async function expectSameAsFullRebuild(options: {
  readonly eventStore: EventStore;
  readonly projections: readonly Projection[];
  readonly live: ReadModelStore;
  readonly fresh: ReadModelStore;
  readonly timeoutMs?: number;
}): Promise<void> {
  const { eventStore, projections, live, fresh } = options;
  const rebuild = new ProjectionRunner({ eventStore, store: fresh, projections, batchSize: 500 });
  await rebuild.start();
  try {
    await rebuild.waitUntilCaughtUp({ timeoutMs: options.timeoutMs ?? 60_000 });
    const rebuilt = new Map((await rebuild.status()).map((status) => [status.name, status]));
    for (const projection of projections) {
      const [left, right] = await Promise.all([live.getAlias(projection.collection), fresh.getAlias(projection.collection)]);
      if (left === null || right === null) throw new Error(`no alias for ${projection.collection}`);
      const diff = await compareAcross({ store: live, collection: left }, { store: fresh, collection: right });
      expect(diff.equal, `${projection.name}: ${JSON.stringify(diff)}`).to.equal(true);
      const letters = await live.listDeadLetters(checkpointName(projection, versionOfPhysical(projection, left) ?? projection.version), 1000);
      expect(letters.length, `${projection.name} dead letters`).to.equal(rebuilt.get(projection.name)?.deadLetters);
    }
  } finally {
    await rebuild.stop();
  }
}
