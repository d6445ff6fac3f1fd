import { GatewayError } from '../errors.js';

/**
 * Global backpressure: a ceiling on requests in flight in this process. Past it a request is
 * refused at once with 503 and Retry-After instead of queueing without bound, so a burst
 * costs the excess callers a fast retry rather than costing everyone latency (and memory).
 * Checked before any engine is touched, so refusing is nearly free.
 */
export class InFlightGate {
  private inFlight = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly retryAfterMs = 1_000,
  ) {}

  get current(): number {
    return this.inFlight;
  }

  /** Takes a slot or throws; the returned function frees it (idempotent). */
  enter(): () => void {
    if (this.inFlight >= this.maxInFlight) {
      throw new GatewayError(`the gateway is at capacity (${this.maxInFlight} requests in flight); retry shortly`, {
        status: 503,
        type: 'overloaded_error',
        code: 'overloaded',
        retryAfterMs: this.retryAfterMs,
      });
    }
    this.inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
    };
  }
}
