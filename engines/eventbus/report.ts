/**
 * Hands a consumer's fatal error to its onError; with no onError (or one that throws) it
 * becomes a process warning, never an uncaught exception that would take the process down.
 */
export function reportFailure(onError: ((error: Error) => void) | undefined, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  try {
    if (onError) onError(failure);
    else process.emitWarning(failure);
  } catch (secondary) {
    process.emitWarning(secondary instanceof Error ? secondary : String(secondary));
  }
}
