import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../ops/engines/ferretdb.sh');

/** A MongoDB-compatible server for the Mongo contract suites: one given by NEXUS_MONGO_URL, or FerretDB started here. */
export interface MongoServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** True when ops/engines/ferretdb.sh has built a binary into its cache (so `start` needs no build). */
export function ferretdbBuilt(): boolean {
  const cache = process.env.NEXUS_FERRETDB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nexus', 'ferretdb');
  try {
    return readdirSync(cache).some((version) => existsSync(join(cache, version, 'ferretdb')));
  } catch {
    return false;
  }
}

async function startFerretdb(): Promise<MongoServer> {
  // Already running (started by a developer): use it and leave it running afterwards.
  const wasRunning = await run(SCRIPT, ['status']).then(
    () => true,
    () => false,
  );
  const { stdout } = await run(SCRIPT, ['start'], { timeout: 60_000 });
  const match = /^NEXUS_MONGO_URL=(\S+)$/m.exec(stdout);
  if (!match) throw new Error(`ops/engines/ferretdb.sh start printed no NEXUS_MONGO_URL:\n${stdout}`);
  return {
    url: match[1],
    stop: async () => {
      if (!wasRunning) await run(SCRIPT, ['stop'], { timeout: 30_000 });
    },
  };
}

/**
 * For a suite's `before` hook: uses NEXUS_MONGO_URL, else starts the FerretDB that
 * ops/engines/ferretdb.sh already built, else marks the suite pending — unless
 * NEXUS_REQUIRE_MONGO=1 (CI), where a missing server fails.
 */
export async function startMongoOrSkip(context: Mocha.Context): Promise<MongoServer> {
  const given = process.env.NEXUS_MONGO_URL;
  if (given) return { url: given, stop: async () => {} };
  if (!ferretdbBuilt()) {
    if (process.env.NEXUS_REQUIRE_MONGO === '1') {
      throw new Error('NEXUS_REQUIRE_MONGO=1 but neither NEXUS_MONGO_URL is set nor FerretDB built; run ops/engines/ferretdb.sh install');
    }
    console.warn('    no MongoDB: the MongoDB read-model suite is pending (set NEXUS_MONGO_URL, or run ops/engines/ferretdb.sh install; NEXUS_REQUIRE_MONGO=1 makes this a failure)');
    context.skip();
  }
  return startFerretdb();
}
