import { rolloutDecider } from '../../domain/rollout/decide.js';
import type { RolloutEvent } from '../../domain/rollout/events.js';
import type { RolloutState } from '../../domain/rollout/state.js';
import { PLATFORM_TENANT } from '../../domain/shared/streams.js';
import { CategoryFold } from './category-fold.js';
import { deepFreeze, type CachedRollout } from './snapshots.js';

const NO_ROLLOUTS: readonly CachedRollout[] = Object.freeze([]);
const PLATFORM_STREAM_PREFIX = `rollout-${PLATFORM_TENANT}.`;

const routes = (state: RolloutState): state is CachedRollout => state.status === 'active' || state.status === 'paused' || state.status === 'completed';

/**
 * Rollouts that still steer an alias's traffic, by model alias: running ones (active, or
 * paused at their share) and completed ones (the candidate serves the whole alias). A rolled
 * back rollout routes nothing and leaves the index on that event. Each snapshot is the
 * rollout's domain state, frozen, so the router can hand it to the domain's
 * `assignsToCandidate(state, stickyKey)` and every node splits the same way.
 *
 * Which rollout wins when several apply to one alias is the router's decision (the command
 * handler allows one running rollout per alias); they come sorted by rollout id. As with the
 * catalog, only platform streams (`rollout-platform.*`) are folded. An event that cannot be
 * applied leaves the rollout at its last known share.
 */
export class RolloutFold extends CategoryFold<RolloutEvent, RolloutState> {
  readonly category = 'rollout';
  private readonly byAlias = new Map<string, readonly CachedRollout[]>();

  constructor() {
    super(rolloutDecider);
  }

  rolloutsFor(modelAlias: string): readonly CachedRollout[] {
    return this.byAlias.get(modelAlias) ?? NO_ROLLOUTS;
  }

  protected override accepts(streamId: string): boolean {
    return streamId.startsWith(PLATFORM_STREAM_PREFIX);
  }

  protected reindex(before: RolloutState, after: RolloutState): void {
    if (before.status !== 'none') this.replace(before.modelAlias, before.rolloutId, null);
    if (routes(after)) this.replace(after.modelAlias, after.rolloutId, deepFreeze({ ...after }));
  }

  private replace(modelAlias: string, rolloutId: string, rollout: CachedRollout | null): void {
    const rest = this.rolloutsFor(modelAlias).filter((other) => other.rolloutId !== rolloutId);
    const next = rollout === null ? rest : [...rest, rollout].sort((a, b) => (a.rolloutId < b.rolloutId ? -1 : a.rolloutId > b.rolloutId ? 1 : 0));
    if (next.length === 0) this.byAlias.delete(modelAlias);
    else this.byAlias.set(modelAlias, Object.freeze(next));
  }
}
