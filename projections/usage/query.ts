import type { FieldFilter, FindQuery, Page, Doc } from '../../engines/readmodel/port.js';
import { usageProjection, type UsageRollupDoc } from './projection.js';

/** What reading rollups needs of a reader: a tenant-scoped one is fine (ScopedReadModels, the API's ScopedReader). */
export interface RollupReader {
  find(collection: string, query: FindQuery): Promise<Page<Doc>>;
}

export interface RollupSelection {
  readonly tenantId: string;
  /** Inclusive UTC days (YYYY-MM-DD); `to` omitted = no upper bound. */
  readonly fromDay: string;
  readonly toDay?: string;
  readonly keyId?: string;
  readonly modelAlias?: string;
  readonly deploymentId?: string;
  readonly currency?: string;
}

const PAGE_SIZE = 1000;

/**
 * Every rollup of the selection, in day order. Rollups are per day and dimension, so a
 * year of a busy tenant is thousands of documents, not millions: reading them all and
 * summing in process is cheaper than another read model per grouping.
 */
export async function findRollups(reader: RollupReader, selection: RollupSelection): Promise<UsageRollupDoc[]> {
  const { tenantId, fromDay, toDay, ...dimensions } = selection;
  const day: FieldFilter = toDay === undefined ? { gte: fromDay } : { gte: fromDay, lte: toDay };
  const defined = Object.fromEntries(Object.entries(dimensions).filter(([, value]) => value !== undefined)) as Record<string, string>;
  const filter = { tenantId, day, ...defined };
  const rollups: UsageRollupDoc[] = [];
  let after: string | undefined;
  do {
    const page = await reader.find(usageProjection.collection, { filter, sort: { field: 'day', direction: 'asc' }, limit: PAGE_SIZE, after });
    rollups.push(...(page.items as UsageRollupDoc[]));
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
  return rollups;
}
