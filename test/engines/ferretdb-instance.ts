import { type OwnFerretdb, startOwnFerretdb } from '../../ops/bench/mongo-server.js';
import { ferretdbBuilt } from '../support/ferretdb.js';

export type { OwnFerretdb } from '../../ops/bench/mongo-server.js';

/**
 * For a suite's `before` hook: a FerretDB of the suite's own (free port, own data directory),
 * so stopping it — the point of an outage test — never stops a server a colleague or another
 * suite is using. Needs the binary of `ops/engines/ferretdb.sh install` (an outage cannot be
 * staged on a server given by NEXUS_MONGO_URL); without it the suite is pending, unless
 * NEXUS_REQUIRE_MONGO=1, where that is a failure.
 */
export async function startOwnFerretdbOrSkip(context: Mocha.Context): Promise<OwnFerretdb> {
  if (!ferretdbBuilt()) {
    if (process.env.NEXUS_REQUIRE_MONGO === '1') throw new Error('NEXUS_REQUIRE_MONGO=1 but FerretDB is not built; run ops/engines/ferretdb.sh install');
    console.warn('    FerretDB is not built: the MongoDB outage suite is pending (ops/engines/ferretdb.sh install; NEXUS_REQUIRE_MONGO=1 makes this a failure)');
    context.skip();
  }
  return startOwnFerretdb();
}
