import { readFileSync, stat, statSync, type Stats } from 'node:fs';
import { CREDENTIAL_REF_PATTERN } from '../../domain/deployment/commands.js';
import type { SecretSource } from './port.js';

/** `openai-prod` → `NEXUS_SECRET_OPENAI_PROD`. */
export const SECRET_ENV_PREFIX = 'NEXUS_SECRET_';
/** Path of a JSON file `{"openai-prod": "sk-…"}`, re-read when it changes (secret rotation without a restart). */
export const SECRETS_FILE_ENV = 'NEXUS_SECRETS_FILE';
const DEFAULT_POLL_MS = 1000;

/** The variable a secret is read from: upper-case, `-` → `_` (so `a-b` and `a_b` share one). */
export const secretEnvName = (ref: string): string => `${SECRET_ENV_PREFIX}${ref.toUpperCase().replaceAll('-', '_')}`;

export interface EnvSecretSourceOptions {
  /** Read once, at construction; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The secrets file; default the env's NEXUS_SECRETS_FILE; null or empty: none. */
  readonly file?: string | null;
  /** How often the file's metadata is polled for a change; default 1000 ms; 0: never (call `refresh`). */
  readonly pollMs?: number;
  /** A refresh failed; the secrets loaded before stay in use. The message never holds a secret. */
  readonly onRefreshError?: (error: Error) => void;
}

/**
 * Secrets from the environment (`NEXUS_SECRET_<NAME>`) and, optionally, a JSON file
 * (NEXUS_SECRETS_FILE); the environment wins where both name a secret. Values are trimmed
 * (a trailing newline from `$(cat key)` or a mounted file would break the header), and an
 * empty value is no secret.
 *
 * Guarantees: a bad file at construction throws (naming the file, never a value); a bad file
 * later keeps the last good secrets and reports through `onRefreshError`. The file is polled
 * (a stat per `pollMs`) and re-read when its inode, size or mtime changed; a change replaces
 * the whole map at once, so a call sees the old secrets or the new ones, never a mix. The
 * values are held in private fields, so logging or serialising the source shows none.
 */
export class EnvSecretSource implements SecretSource {
  readonly #fromEnv: ReadonlyMap<string, string>;
  #fromFile: ReadonlyMap<string, string> = new Map();
  readonly #file: string | null;
  readonly #onRefreshError: (error: Error) => void;
  /** The file's identity (inode, size, mtime) when it was last read, well or badly: a poll re-reads only on a change. */
  #readVersion = '';
  #poll: NodeJS.Timeout | null = null;

  constructor(options: EnvSecretSourceOptions = {}) {
    const env = options.env ?? process.env;
    this.#fromEnv = new Map(
      Object.entries(env).flatMap(([name, value]): [string, string][] => {
        const secret = value?.trim();
        return name.startsWith(SECRET_ENV_PREFIX) && secret ? [[name, secret]] : [];
      }),
    );
    const file = options.file === undefined ? env[SECRETS_FILE_ENV] : options.file;
    this.#file = file ? file : null;
    this.#onRefreshError = options.onRefreshError ?? (() => undefined);
    if (this.#file === null) return;
    this.#load(this.#file);
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    // Stat polling, not fs.watch: it follows the atomic symlink swap of mounted secret volumes,
    // and compares with what was read (fs.watchFile's first baseline may already be the new file).
    if (pollMs > 0) this.#poll = setInterval(() => this.#refreshIfChanged(), pollMs).unref();
  }

  /** The secrets file this source reads, if any (a path, never a value). */
  get file(): string | null {
    return this.#file;
  }

  resolve(ref: string): string | null {
    if (!CREDENTIAL_REF_PATTERN.test(ref)) return null;
    return this.#fromEnv.get(secretEnvName(ref)) ?? this.#fromFile.get(ref) ?? null;
  }

  /** Re-reads the file now; false (and `onRefreshError`) when it cannot be used. */
  refresh(): boolean {
    if (this.#file === null) return true;
    try {
      this.#load(this.#file);
      return true;
    } catch (error) {
      this.#onRefreshError(error as Error);
      return false;
    }
  }

  close(): void {
    if (this.#poll !== null) clearInterval(this.#poll);
    this.#poll = null;
  }

  #load(file: string): void {
    // The version before the read: a change during the read then shows at the next poll.
    this.#readVersion = versionOf(file);
    this.#fromFile = readSecretsFile(file);
  }

  #refreshIfChanged(): void {
    const file = this.#file;
    if (file === null) return;
    stat(file, (error, stats) => {
      if (this.#poll !== null && versionFrom(error, stats) !== this.#readVersion) this.refresh();
    });
  }
}

const versionFrom = (error: NodeJS.ErrnoException | null, stats: Stats | undefined): string =>
  error || !stats ? `unreadable:${error?.code ?? ''}` : `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;

function versionOf(file: string): string {
  try {
    return versionFrom(null, statSync(file));
  } catch (error) {
    return versionFrom(error as NodeJS.ErrnoException, undefined);
  }
}

/** Parses the file into name → value; throws an Error naming the file and the entry at fault, never a value. */
function readSecretsFile(file: string): ReadonlyMap<string, string> {
  const fail = (why: string): Error => new Error(`${SECRETS_FILE_ENV} '${file}' ${why}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the SyntaxError's message: V8 quotes the text around the fault, which may be a secret.
    throw fail('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('must be a JSON object of secret names to values');
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed)) {
    // A malformed name is not quoted: it might be a value pasted in the wrong place.
    if (!CREDENTIAL_REF_PATTERN.test(name)) throw fail(`has an entry whose name is not a credentialRef (${CREDENTIAL_REF_PATTERN.source})`);
    const secret = typeof value === 'string' ? value.trim() : '';
    if (!secret) throw fail(`entry '${name}' must be a non-empty string`);
    secrets.set(name, secret);
  }
  return secrets;
}
