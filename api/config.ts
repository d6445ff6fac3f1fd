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
  NEXUS_EVENT_STORE: z.enum(['sqlite']).default('sqlite'),
  /** fsync every commit (SQLite synchronous=FULL): survives power loss, not just a crash. */
  NEXUS_EVENT_STORE_FSYNC: booleanFlag.default(false),
  NEXUS_READ_MODELS: z.enum(['sqlite']).default('sqlite'),
  NEXUS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  NEXUS_JSON_MAX_DEPTH: z.coerce.number().int().min(4).max(1000).default(64),
  NEXUS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a command waits for the read models to reflect it (read-your-writes), in ms. */
  NEXUS_READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
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
