/**
 * The read-model store could not be reached (server down, network cut, failover, shutdown in
 * progress). Nothing is wrong with the data: the same call succeeds once the engine is back,
 * so callers wait and retry (the projection runtime pauses) instead of giving up on the
 * event or the request. Anything else an adapter throws means the call itself was refused.
 *
 * It lives beside the MongoDB adapter, the only adapter with a network between it and its
 * engine, but imports nothing from the driver: the projection runtime recognises it without
 * loading MongoDB code, and any other adapter may throw it too.
 */
export class ReadModelStoreUnavailableError extends Error {
  readonly kind = 'read_model_store_unavailable' as const;

  constructor(
    readonly engine: string,
    readonly operation: string,
    cause: unknown,
  ) {
    super(`read-model store (${engine}) unavailable during ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ReadModelStoreUnavailableError';
  }
}

export function isReadModelStoreUnavailable(error: unknown): error is ReadModelStoreUnavailableError {
  return error instanceof ReadModelStoreUnavailableError;
}
