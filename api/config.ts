import { z } from 'zod';

/**
 * Configuration comes only from environment variables, validated here once at start.
 * No configuration at all means: embedded engines under ./.nexus, listening on loopback.
 * The README's configuration reference lists the same variables.
 */
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const ConfigSchema = z.object({
  NEXUS_HOST: z.string().default('127.0.0.1'),
  NEXUS_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  NEXUS_DATA_DIR: z.string().default('.nexus'),
  /** Platform admin token; generated on first start (and kept in the data dir) when unset. */
  NEXUS_ADMIN_TOKEN: z.string().min(24, 'NEXUS_ADMIN_TOKEN must be at least 24 characters').optional(),
  /** EventStoreDB / KurrentDB connection string; unset = the embedded SQLite event store under NEXUS_DATA_DIR. */
  NEXUS_EVENTSTORE_URL: z
    .string()
    .regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\/\S+$/, 'NEXUS_EVENTSTORE_URL must be an esdb:// (or kurrentdb://) connection string')
    .optional(),
  /** fsync every commit (SQLite synchronous=FULL): survives power loss, not just a crash. */
  NEXUS_EVENT_STORE_FSYNC: booleanFlag.default(false),
  /**
   * true: record the data plane's usage events on a worker thread (its own event-store
   * connection) while the event loop that serves requests is busy, inline while it has
   * headroom. Default false, always inline: measured on 2 cores, the thread bought no more
   * throughput than noise and cost CPU and tail latency (ops/bench/RESULTS.md).
   */
  NEXUS_RECORDER_THREAD: booleanFlag.default(false),
  /** Run the read-model projections on a worker thread (its own connections), off the event loop that serves requests. false: on the main thread. */
  NEXUS_PROJECTION_THREAD: booleanFlag.default(true),
  /** MongoDB URL for the read models; unset = the embedded SQLite read-model store. */
  NEXUS_MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\/\S+$/, 'NEXUS_MONGO_URL must be a mongodb:// or mongodb+srv:// URL').optional(),
  /** The database holding the read models on NEXUS_MONGO_URL. */
  NEXUS_MONGO_DATABASE: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'NEXUS_MONGO_DATABASE must be 1-63 letters, digits, _ or -').default('nexus'),
  /** Kafka brokers (host:port, comma-separated) for the event relay and the workers; unset = the in-process bus. */
  NEXUS_KAFKA_BROKERS: z
    .string()
    .regex(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, 'NEXUS_KAFKA_BROKERS must be host:port[,host:port…]')
    .optional(),
  /** Elasticsearch URL for audit search (and knowledge-base vectors); unset = the in-process index. */
  NEXUS_ELASTICSEARCH_URL: z.string().regex(/^https?:\/\/\S+$/, 'NEXUS_ELASTICSEARCH_URL must be an http:// or https:// URL').optional(),
  /**
   * Name of the audit index alias (physical indices `<name>-v<N>`); its checkpoint is kept in the
   * cluster under that name, so two deployments (or event stores) sharing a cluster need two names.
   */
  NEXUS_ELASTICSEARCH_AUDIT_INDEX: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'NEXUS_ELASTICSEARCH_AUDIT_INDEX must be a lower-case index name').default('nexus-audit'),
  NEXUS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  NEXUS_JSON_MAX_DEPTH: z.coerce.number().int().min(4).max(1000).default(64),
  NEXUS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a command waits for the read models to reflect it (read-your-writes), in ms. */
  NEXUS_READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Upstream calls (api/v1/dispatch.ts): TCP + TLS connect; short, so a dead host falls back quickly. */
  NEXUS_UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** Time to the response headers, and the longest silence in a body; generous, models think before the first byte. */
  NEXUS_UPSTREAM_READ_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  /** Calls per deployment before falling back to the next, the first included (1 = no retry). */
  NEXUS_UPSTREAM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(2),
  /** Retry backoff (full jitter): the first window, doubled per retry up to the cap. */
  NEXUS_UPSTREAM_RETRY_BASE_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  NEXUS_UPSTREAM_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** The longest Retry-After honoured by waiting; an upstream asking for more is fallen back from at once. */
  NEXUS_UPSTREAM_MAX_RETRY_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** Bound on the retry waits of one request, from its first attempt; fallbacks still run past it. */
  NEXUS_UPSTREAM_DEADLINE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  /** Consecutive failures that open a deployment's circuit breaker; 0 turns breakers off. */
  NEXUS_CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().min(0).max(1_000).default(5),
  /** How long an open breaker skips its deployment before one probe request is let through. */
  NEXUS_CIRCUIT_COOLDOWN_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Counters (rate limits, concurrency, budget reservations, idempotency) on Redis; unset = in this process. */
  NEXUS_REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, 'NEXUS_REDIS_URL must be a redis:// or rediss:// URL').optional(),
  /** Data-plane requests in flight in this process before new ones get 503 + Retry-After. */
  NEXUS_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1_000_000).default(2_048),
  /** Output tokens assumed for a request without max_tokens; enforced upstream when a budget or policy needs a bound. */
  NEXUS_DEFAULT_MAX_OUTPUT_TOKENS: z.coerce.number().int().min(1).max(1_000_000).default(4_096),
  /** Server key every webhook signing secret is derived from; generated into the data dir when unset. */
  NEXUS_WEBHOOK_SIGNING_KEY: z.string().min(32, 'NEXUS_WEBHOOK_SIGNING_KEY must be at least 32 characters').optional(),
  /** Let webhook deliveries reach loopback and private addresses (development and tests only: SSRF guard off). */
  NEXUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanFlag.default(false),
  /** One webhook call, connect to response. */
  NEXUS_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as shells and compose files commonly write it.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = ConfigSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
