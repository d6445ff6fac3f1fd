/**
 * What an in-process counter would answer now, and how to make it so. Checking and taking
 * are split so that an admission can check rate limits, leases and reservations first and
 * take all of them or none, in one synchronous (so atomic) step.
 */
export interface Claim<R> {
  readonly result: R;
  /** Applies the claim; only for a claim whose result admits it. */
  take(): void;
}

/** The take of a refused claim: there is nothing to apply. */
export const refused = (): void => {
  throw new Error('a refused claim cannot be taken');
};
