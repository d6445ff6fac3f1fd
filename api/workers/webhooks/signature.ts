import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Delivery signatures, Stripe-style. Every delivery carries
 *
 *   Nexus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * How a receiver verifies one (any language):
 *   1. Read the raw request body as bytes, before any JSON parsing (re-serialised JSON differs).
 *   2. Split the header on ',' into key=value pairs; take `t` and every `v1` (there may be
 *      more than one; ignore unknown keys, they leave room for new schemes).
 *   3. Compute hex(HMAC-SHA256(key = the webhook's secret as UTF-8, the whole "whsec_…"
 *      string, message = t + "." + raw body)).
 *   4. Accept if it equals one of the v1 values (compare in constant time), and `t` is within
 *      your tolerance of your clock (5 minutes is usual) to refuse replays of old calls.
 *   5. De-duplicate by the Nexus-Event-Id header: a delivery may come more than once.
 */
export const SIGNATURE_HEADER = 'nexus-signature';

export function signatureOf(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export function signatureHeader(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, rawBody)}`;
}

export interface VerifyOptions {
  /** Seconds the timestamp may differ from `nowSeconds`. Default 300. */
  readonly toleranceSeconds?: number;
  readonly nowSeconds?: number;
}

/** The recipe above, for receivers written in TypeScript (and the tests). */
export function verifySignature(header: string, secret: string, rawBody: string | Buffer, options: VerifyOptions = {}): boolean {
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const [key, value] = [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (timestamp === null || candidates.length === 0) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, rawBody), 'hex');
  return candidates.some((candidate) => timingSafeEqual(expected, Buffer.from(candidate, 'hex')));
}
