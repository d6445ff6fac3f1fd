import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Counters } from '../../engines/counters/port.js';

/**
 * What a counters adapter hands the contract suite. Under a manual clock the suite moves
 * time itself (exact, instant); under real time (Redis) it waits, with short windows and
 * TTLs, polling for conditions rather than sleeping fixed amounts where it can.
 */
export interface TestClock {
  /** The adapter's time as the test sees it: exact for a manual clock, ± toleranceMs otherwise. */
  now(): number;
  /** Lets at least `ms` of the adapter's time pass. */
  advance(ms: number): Promise<void>;
  /** True when the suite drives the adapter's clock (boundaries can be checked to the millisecond). */
  readonly exact: boolean;
  readonly toleranceMs: number;
}

export interface CountersFixture {
  readonly counters: Counters;
  /** Another client on the same state, as a second gateway process would have (the same instance in process). */
  connectAnother(): Promise<Counters>;
  readonly clock: TestClock;
  /** The time scale of windows and TTLs in the suite: short under real time. */
  readonly unitMs: number;
  /** The idempotency TTL the adapter was configured with. */
  readonly idempotencyTtlMs: number;
  cleanup(): Promise<void>;
}

export const fresh = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`;

/** A manual clock for in-process adapters; starts off any sub-window boundary on purpose. */
export function manualClock(start = 1_750_000_000_123): TestClock & { readonly read: () => number } {
  let now = start;
  return {
    read: () => now,
    now: () => now,
    advance: async (ms: number) => {
      now += ms;
    },
    exact: true,
    toleranceMs: 0,
  };
}

/** Real time, for adapters with their own clock (Redis TIME reads the same system clock). */
export function realClock(toleranceMs = 3): TestClock {
  return {
    now: () => Date.now(),
    advance: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms + toleranceMs)),
    exact: false,
    toleranceMs,
  };
}

/**
 * Lets time pass in small steps until `condition` holds; returns how much time passed.
 * Fails after `maxMs`. Under a manual clock the steps are exact.
 */
export async function elapsedUntil(clock: TestClock, condition: () => Promise<boolean>, maxMs: number, stepMs: number): Promise<number> {
  const started = clock.now();
  for (;;) {
    if (await condition()) return clock.now() - started;
    if (clock.now() - started > maxMs) expect.fail(`condition still false after ${maxMs} ms`);
    await clock.advance(stepMs);
  }
}

export async function expectRangeError(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    expect(error).to.be.instanceOf(RangeError);
    return;
  }
  expect.fail('expected a RangeError');
}
