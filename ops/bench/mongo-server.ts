import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, homedir, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../engines/ferretdb.sh');

export interface BenchServer {
  readonly url: string;
  /** What answers: server version, and whether FerretDB (and its backend) or MongoDB. */
  readonly description: string;
  stop(): Promise<void>;
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown cpu'} · ${cpu.length} cores · ${(totalmem() / 2 ** 30).toFixed(1)} GiB · node ${process.version} · ${process.platform}/${process.arch}`;
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const rate = (events: number, ms: number): string => `${fmt(events / (ms / 1000))} events/s`;

/** ops/engines/ferretdb.sh has built a binary into its cache. */
export function ferretdbBuilt(): boolean {
  const cache = process.env.NEXUS_FERRETDB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nexus', 'ferretdb');
  return existsSync(cache) && readdirSync(cache).some((version) => existsSync(join(cache, version, 'ferretdb')));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  await new Promise<void>((closed) => server.close(() => closed()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/** The FerretDB version ops/engines/ferretdb.sh builds (its go.mod pins it). */
function ferretdbModuleVersion(): string {
  const goMod = readFileSync(resolve(dirname(SCRIPT), 'ferretdb/go.mod'), 'utf8');
  return /github\.com\/FerretDB\/FerretDB\s+(v\S+)/.exec(goMod)?.[1] ?? 'unknown';
}

async function describeServer(url: string): Promise<string> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    // FerretDB answers buildInfo with MongoDB's version plus fields of its own (its embedded build reports version "unknown").
    if (!('ferretdbVersion' in info)) return `MongoDB ${String(info.version)}`;
    return `FerretDB ${ferretdbModuleVersion()} on SQLite, speaking MongoDB ${String(info.version)}`;
  } finally {
    await client.close();
  }
}

/**
 * A FerretDB of the caller's own: a free port and a temporary data directory, so stopping it
 * (an outage test) or loading it (a benchmark) never disturbs a server someone else uses.
 * stop/start keep the data directory, as a real restart would; dispose removes it.
 */
export interface OwnFerretdb {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startOwnFerretdb(): Promise<OwnFerretdb> {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-ferretdb-own-'));
  const env = { ...process.env, NEXUS_FERRETDB_PORT: String(await freePort()), NEXUS_FERRETDB_DIR: dir };
  const script = async (command: 'start' | 'stop'): Promise<string> => (await run(SCRIPT, [command], { env, timeout: 60_000 })).stdout;
  const started = await script('start');
  const url = /^NEXUS_MONGO_URL=(\S+)$/m.exec(started)?.[1];
  if (!url) throw new Error(`ops/engines/ferretdb.sh start printed no NEXUS_MONGO_URL:\n${started}`);
  return {
    url,
    stop: async () => void (await script('stop')),
    start: async () => void (await script('start')),
    dispose: async () => {
      await script('stop');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * NEXUS_MONGO_URL when set; else a FerretDB of the benchmark's own, disposed of afterwards.
 * Null (the benchmark is skipped) when FerretDB is not built.
 */
export async function mongoServer(): Promise<BenchServer | null> {
  const given = process.env.NEXUS_MONGO_URL;
  if (given) return { url: given, description: await describeServer(given), stop: async () => {} };
  if (!ferretdbBuilt()) {
    console.log('skipped: no NEXUS_MONGO_URL and FerretDB is not built (ops/engines/ferretdb.sh install)');
    return null;
  }
  const own = await startOwnFerretdb();
  return { url: own.url, description: await describeServer(own.url), stop: () => own.dispose() };
}
