import { CountersUnavailableError } from '../port.js';

/**
 * Script replies arrive as untyped nested arrays (integers as strings: the client runs
 * with stringNumbers, because its parser rounds integers near 2^53). These guards turn
 * them into exact numbers, or fail loudly: a reply of the wrong shape means a wrong
 * server or a script bug, and the caller must not act on it.
 */
export function tuple(operation: string, reply: unknown, length: number): unknown[] {
  if (!Array.isArray(reply) || reply.length !== length) throw malformed(operation, reply);
  return reply;
}

export function integer(operation: string, value: unknown): number {
  const number = typeof value === 'string' || typeof value === 'number' ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number)) throw malformed(operation, value);
  return number;
}

export function text(operation: string, value: unknown): string {
  if (typeof value !== 'string') throw malformed(operation, value);
  return value;
}

/** The period field: '' stands for none (Lua tables cannot carry nil). */
export function periodKey(operation: string, value: unknown): string | null {
  const key = text(operation, value);
  return key === '' ? null : key;
}

/** -1 stands for "never" (null). */
export function waitMs(operation: string, value: unknown): number | null {
  const ms = integer(operation, value);
  return ms < 0 ? null : ms;
}

export function oneOf<T extends string>(operation: string, value: unknown, allowed: readonly T[]): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw malformed(operation, value);
  return found;
}

export function malformed(operation: string, reply: unknown): CountersUnavailableError {
  return new CountersUnavailableError(operation, 'server', { cause: new Error(`unexpected reply ${JSON.stringify(reply)}`) });
}
