import { MemoryCounters } from '../../engines/counters/memory/index.js';
import { countersContract } from './counters.contract.js';
import { manualClock } from './counters.fixture.js';

/** The in-process adapter under a manual clock: time moves only when the suite moves it. */
countersContract('MemoryCounters (manual clock)', async () => {
  const clock = manualClock();
  const idempotencyTtlMs = 60_000;
  const counters = new MemoryCounters({ clock: clock.read, idempotencyTtlMs });
  return {
    counters,
    connectAnother: async () => counters, // one process: every caller shares the instance
    clock,
    unitMs: 1000,
    idempotencyTtlMs,
    cleanup: () => counters.close(),
  };
});
