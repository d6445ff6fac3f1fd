import { MongoBulkWriteError, MongoError, MongoNetworkError, MongoOperationTimeoutError, MongoServerSelectionError } from 'mongodb';
import { ReadModelStoreUnavailableError } from './unavailable.js';

/**
 * Server error codes that mean "this server cannot serve you right now" (it is shutting down,
 * stepping down or unreachable from the node you asked), as opposed to "this command is wrong".
 * The same list the drivers retry a read on.
 */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * True for driver errors of an engine that is down or unreachable. A bulk write that could not
 * even be sent wraps the driver's error (in `errorResponse`), so that one is looked through.
 * Closing our own client (MongoTopologyClosedError) is not an outage: it stays a plain error.
 */
export function isMongoUnavailable(error: unknown): boolean {
  if (error instanceof MongoBulkWriteError && error.errorResponse instanceof Error) return isMongoUnavailable(error.errorResponse);
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError || error instanceof MongoOperationTimeoutError) return true;
  if (!(error instanceof MongoError)) return false;
  if (typeof error.code === 'number' && UNAVAILABLE_CODES.has(error.code)) return true;
  return error.hasErrorLabel('ResetPool') || error.hasErrorLabel('RetryableWriteError');
}

/** Runs one store operation, turning an outage into ReadModelStoreUnavailableError (other errors pass as they are). */
export async function unlessUnavailable<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isMongoUnavailable(error)) throw new ReadModelStoreUnavailableError('mongodb', operation, error);
    throw error;
  }
}
