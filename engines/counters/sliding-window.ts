import { SUB_WINDOWS } from './port.js';

/**
 * The sliding-window arithmetic of the port (see SUB_WINDOWS), as pure functions. The
 * in-process adapter runs these; the Redis adapter's Lua script mirrors them line for line
 * and receives the shape computed here, so both agree on every boundary.
 */
export interface WindowShape {
  /** Length of one sub-window. */
  readonly granularityMs: number;
  /** Sub-windows before the current one that are counted: subWindows × granularityMs ≥ windowMs. */
  readonly subWindows: number;
}

export function windowShape(windowMs: number): WindowShape {
  const granularityMs = Math.ceil(windowMs / SUB_WINDOWS);
  return { granularityMs, subWindows: Math.ceil(windowMs / granularityMs) };
}

export interface WindowCheck {
  readonly allowed: boolean;
  /** Index of the sub-window `now` falls in; an admitted cost is charged to it. */
  readonly current: number;
  /** Cost counted in the window before this call. */
  readonly counted: number;
  readonly retryAfterMs: number | null;
}

/** Sub-window indexes below this no longer count at `now` (and may be deleted). */
export function oldestCounted(shape: WindowShape, now: number): number {
  return Math.floor(now / shape.granularityMs) - shape.subWindows;
}

/**
 * Counting sub-windows current − subWindows … current covers at least [now − windowMs, now],
 * so the admitted cost of any interval of windowMs is ≤ limit (checked at its last admission).
 */
export function checkWindow(counts: ReadonlyMap<number, number>, shape: WindowShape, limit: number, cost: number, now: number): WindowCheck {
  const current = Math.floor(now / shape.granularityMs);
  const oldest = current - shape.subWindows;
  let counted = 0;
  for (const [index, count] of counts) if (index >= oldest) counted += count;
  if (cost <= limit - counted) return { allowed: true, current, counted, retryAfterMs: 0 };
  if (cost > limit) return { allowed: false, current, counted, retryAfterMs: null };
  // The first sub-window boundary at which enough old sub-windows have slid out for `cost`.
  let left = counted;
  for (let step = 1; step <= shape.subWindows; step++) {
    left -= counts.get(oldest + step - 1) ?? 0;
    if (left + cost <= limit) return { allowed: false, current, counted, retryAfterMs: (current + step) * shape.granularityMs - now };
  }
  // Only the current sub-window still counts, and it is not enough: wait until it slides out too.
  return { allowed: false, current, counted, retryAfterMs: (current + shape.subWindows + 1) * shape.granularityMs - now };
}

/** When the sub-window `current` stops counting: the moment a key charged now may be forgotten. */
export function forgetAt(shape: WindowShape, current: number): number {
  return (current + shape.subWindows + 1) * shape.granularityMs;
}
