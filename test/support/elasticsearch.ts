import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../ops/engines/elasticsearch.sh');
/** A cold start of the node takes up to the script's own 120 s readiness wait, plus the JVM's launch. */
const START_TIMEOUT_MS = 180_000;

/** An Elasticsearch node for the search contract suite: one given by NEXUS_ELASTICSEARCH_URL, or one started here. */
export interface ElasticsearchServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** True when ops/engines/elasticsearch.sh has unpacked a distribution into its cache (so `start` needs no download). */
export function elasticsearchInstalled(): boolean {
  const fallback = process.getuid?.() === 0 ? '/var/cache/nexus/elasticsearch' : join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nexus', 'elasticsearch');
  const cache = process.env.NEXUS_ELASTICSEARCH_CACHE ?? fallback;
  try {
    return readdirSync(cache).some((version) => existsSync(join(cache, version, `elasticsearch-${version}`, 'bin', 'elasticsearch')));
  } catch {
    return false;
  }
}

async function startElasticsearch(): Promise<ElasticsearchServer> {
  // Already running (started by a developer or another suite): use it and leave it running afterwards.
  const wasRunning = await run(SCRIPT, ['status']).then(
    () => true,
    () => false,
  );
  const { stdout } = await run(SCRIPT, ['start'], { timeout: START_TIMEOUT_MS });
  const match = /^NEXUS_ELASTICSEARCH_URL=(\S+)$/m.exec(stdout);
  if (!match) throw new Error(`ops/engines/elasticsearch.sh start printed no NEXUS_ELASTICSEARCH_URL:\n${stdout}`);
  return {
    url: match[1],
    stop: async () => {
      if (!wasRunning) await run(SCRIPT, ['stop'], { timeout: 60_000 });
    },
  };
}

/**
 * For a suite's `before` hook (give it a long timeout: a cold start takes a while): uses
 * NEXUS_ELASTICSEARCH_URL, else starts the node ops/engines/elasticsearch.sh installed,
 * else marks the suite pending — unless NEXUS_REQUIRE_ELASTICSEARCH=1 (CI), where a
 * missing server fails.
 */
export async function startElasticsearchOrSkip(context: Mocha.Context): Promise<ElasticsearchServer> {
  const given = process.env.NEXUS_ELASTICSEARCH_URL;
  if (given) return { url: given, stop: async () => {} };
  if (!elasticsearchInstalled()) {
    if (process.env.NEXUS_REQUIRE_ELASTICSEARCH === '1') {
      throw new Error('NEXUS_REQUIRE_ELASTICSEARCH=1 but neither NEXUS_ELASTICSEARCH_URL is set nor Elasticsearch installed; run ops/engines/elasticsearch.sh install');
    }
    console.warn('    no Elasticsearch: the Elasticsearch search suite is pending (set NEXUS_ELASTICSEARCH_URL, or run ops/engines/elasticsearch.sh install; NEXUS_REQUIRE_ELASTICSEARCH=1 makes this a failure)');
    context.skip();
  }
  return startElasticsearch();
}
