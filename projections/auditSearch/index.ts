import type { Logger } from 'pino';
import type { EventStore } from '../../engines/eventstore/port.js';
import type { SearchPort } from '../../engines/search/port.js';
import { AUDIT_SEARCH_ALIAS, AUDIT_SEARCH_MAPPING, AUDIT_SEARCH_VERSION, auditSearchDoc } from './document.js';
import { SearchIndexer, type SearchIndexerOptions } from './indexer.js';

export { AUDIT_SEARCH_ALIAS, AUDIT_SEARCH_MAPPING, AUDIT_SEARCH_VERSION, auditSearchDoc, auditSearchId, flattenForText } from './document.js';
export { SearchIndexer, type SearchIndexerOptions, type SearchIndexerStatus, type SearchRebuildResult } from './indexer.js';
export { auditSearchQuery, decodeAuditCursor, searchAudit, type AuditSearchItem, type AuditSearchParams, type AuditSearchPage } from './query.js';

/** The audit-trail index as bootstrap starts it: every event of the store, into the search port. */
export function auditSearchIndexer(
  deps: { readonly eventStore: EventStore; readonly search: SearchPort; readonly logger: Pick<Logger, 'info' | 'warn' | 'error'> },
  options: Partial<Pick<SearchIndexerOptions, 'batchSize' | 'backoff' | 'alias' | 'categories' | 'coalesceMs'>> = {},
): SearchIndexer {
  return new SearchIndexer({
    eventStore: deps.eventStore,
    search: deps.search,
    logger: deps.logger,
    alias: options.alias ?? AUDIT_SEARCH_ALIAS,
    version: AUDIT_SEARCH_VERSION,
    mapping: AUDIT_SEARCH_MAPPING,
    toDocument: auditSearchDoc,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.categories ? { categories: options.categories } : {}),
    ...(options.coalesceMs ? { coalesceMs: options.coalesceMs } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
  });
}
