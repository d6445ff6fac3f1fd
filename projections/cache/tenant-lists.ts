/**
 * Per-tenant lists of frozen snapshots, each list sorted by the item's id so every gateway
 * process sees (and evaluates) them in the same order. Lists are replaced, never mutated, so
 * a request holding one keeps a consistent view.
 */
export class TenantLists<T> {
  private readonly byTenant = new Map<string, readonly T[]>();
  private readonly empty: readonly T[] = Object.freeze([]);

  constructor(private readonly idOf: (item: T) => string) {}

  get(tenantId: string): readonly T[] {
    return this.byTenant.get(tenantId) ?? this.empty;
  }

  /** Puts `item` in place of the one with `id` (or removes that one when `item` is null). */
  replace(tenantId: string, id: string, item: T | null): void {
    const rest = this.get(tenantId).filter((other) => this.idOf(other) !== id);
    const next = item === null ? rest : [...rest, item].sort((a, b) => (this.idOf(a) < this.idOf(b) ? -1 : this.idOf(a) > this.idOf(b) ? 1 : 0));
    if (next.length === 0) this.byTenant.delete(tenantId);
    else this.byTenant.set(tenantId, Object.freeze(next));
  }
}
