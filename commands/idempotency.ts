/**
 * Idempotency-Key results: a repeated command with the same key (from the same caller)
 * returns the first result instead of running again. Embedded default: an in-process map
 * with a TTL and a size cap; a Redis adapter of a later issue implements the same port.
 * In-flight duplicates wait for the first execution rather than racing it.
 */
export interface StoredResponse {
  readonly fingerprint: string;
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

export interface IdempotencyStore {
  get(key: string): Promise<StoredResponse | null>;
  put(key: string, response: StoredResponse): Promise<void>;
}

export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, { response: StoredResponse; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 24 * 60 * 60 * 1000,
    private readonly maxEntries = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(key: string): Promise<StoredResponse | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return null;
    }
    return entry.response;
  }

  async put(key: string, response: StoredResponse): Promise<void> {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value; // Map keeps insertion order
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { response, expiresAt: this.clock() + this.ttlMs });
  }
}
