import type { BusMessage } from './port.js';

/**
 * Bytes a message takes in a Kafka record batch, from above: key, value, header names and
 * values, plus a per-record and per-header allowance for the varints around them. Used to keep
 * a request under the broker's message.max.bytes (1 MiB by default), which it enforces on each
 * partition's record batch: a request above it is refused however often it is retried.
 */
export function messageBytes(message: BusMessage): number {
  let bytes = 32 + Buffer.byteLength(message.key) + message.value.length;
  for (const name in message.headers) bytes += 10 + Buffer.byteLength(name) + Buffer.byteLength(message.headers[name] ?? '');
  return bytes;
}

/** Cuts messages into consecutive runs of at most `maxBytes` each (a single larger message runs alone), order kept. */
export function chunkByBytes<T extends BusMessage>(messages: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = messageBytes(message);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
