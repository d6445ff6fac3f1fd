/**
 * Where provider credentials come from. A deployment names its secret (`credentialRef`,
 * e.g. `openai-prod`); the gateway resolves the name when it calls the upstream. A value
 * lives only in its source and in the ProviderTarget of one call: never in a command, an
 * event, a read model, a log line or a response.
 */
export interface SecretSource {
  /**
   * The value of the secret named `ref`, or null when this source has none (or `ref` is not
   * a valid credentialRef). Synchronous and O(1), from memory: it is called on every upstream
   * attempt, so sources load at start and refresh in the background, never per call.
   */
  resolve(ref: string): string | null;
  /** Stops any background refresh. Idempotent; `resolve` keeps answering from what was loaded. */
  close(): void;
}
