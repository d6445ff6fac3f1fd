import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const run = promisify(execFile);
export const KAFKA_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../ops/engines/kafka.sh');

/** A Kafka broker for the suites: one given by NEXUS_KAFKA_BROKERS, or one ops/engines/kafka.sh started. */
export interface KafkaBroker {
  readonly brokers: string[];
  stop(): Promise<void>;
}

/** Where ops/engines/kafka.sh keeps its jars; same defaults as the script. */
function kafkaCache(): string {
  return process.env.NEXUS_KAFKA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nexus', 'kafka');
}

/** True when ops/engines/kafka.sh has installed broker jars (so `start` needs no download). */
export function kafkaInstalled(): boolean {
  const cache = kafkaCache();
  if (process.env.NEXUS_KAFKA_CACHE) return existsSync(join(cache, 'installed'));
  try {
    return readdirSync(cache).some((version) => existsSync(join(cache, version, 'installed')));
  } catch {
    return false;
  }
}

function brokersOf(stdout: string): string[] {
  const match = /^NEXUS_KAFKA_BROKERS=(\S+)$/m.exec(stdout);
  if (!match) throw new Error(`ops/engines/kafka.sh printed no NEXUS_KAFKA_BROKERS:\n${stdout}`);
  return match[1].split(',');
}

/**
 * Runs ops/engines/kafka.sh with `env` added (NEXUS_KAFKA_PORT / NEXUS_KAFKA_DIR pick a broker
 * of one's own). `start` is idempotent; it prints the brokers.
 */
export async function kafkaScript(command: 'start' | 'stop' | 'status', env: Record<string, string> = {}): Promise<string[]> {
  const { stdout } = await run(KAFKA_SCRIPT, [command], { timeout: 120_000, env: { ...process.env, ...env } });
  return command === 'stop' ? [] : brokersOf(stdout);
}

/** Starts a broker with its own port and data folder, and stops it afterwards: for tests that stop and restart Kafka. */
export async function startOwnKafka(env: { NEXUS_KAFKA_PORT: string; NEXUS_KAFKA_DIR: string }): Promise<KafkaBroker> {
  const brokers = await kafkaScript('start', env);
  return { brokers, stop: async () => void (await kafkaScript('stop', env)) };
}

/**
 * For a suite's `before` hook: uses NEXUS_KAFKA_BROKERS, else starts the broker whose jars
 * ops/engines/kafka.sh installed (leaving it running if it already ran: someone else's), else
 * marks the suite pending — unless NEXUS_REQUIRE_KAFKA=1 (CI), where a missing broker fails.
 */
export async function startKafkaOrSkip(context: Mocha.Context): Promise<KafkaBroker> {
  const given = process.env.NEXUS_KAFKA_BROKERS;
  if (given) return { brokers: given.split(','), stop: async () => {} };
  if (!kafkaInstalled()) {
    if (process.env.NEXUS_REQUIRE_KAFKA === '1') {
      throw new Error('NEXUS_REQUIRE_KAFKA=1 but neither NEXUS_KAFKA_BROKERS is set nor Kafka installed; run ops/engines/kafka.sh install');
    }
    console.warn('    no Kafka: the Kafka suite is pending (set NEXUS_KAFKA_BROKERS, or run ops/engines/kafka.sh install; NEXUS_REQUIRE_KAFKA=1 makes this a failure)');
    context.skip();
  }
  const wasRunning = await kafkaScript('status').then(
    () => true,
    () => false,
  );
  const brokers = await kafkaScript('start');
  return {
    brokers,
    stop: async () => {
      if (!wasRunning) await kafkaScript('stop');
    },
  };
}

/** Deletes the topics whose names start with `prefix`: what a suite created on a broker others share. */
export async function deleteTopics(brokers: readonly string[], prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'nexus-test-cleanup', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
