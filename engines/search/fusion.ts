import type { SearchHit, SearchQuery } from './port.js';

/**
 * Hybrid ranking shared by both adapters: reciprocal rank fusion (Cormack, Clarke &
 * Büttcher, SIGIR 2009) over the full-text list and the kNN list. It needs only ranks, not
 * comparable scores — BM25 and cosine similarity live on unrelated scales — and it is
 * computed here rather than by Elasticsearch because the `rrf` retriever needs a paid
 * licence and the test distribution ships without it. A document ranked well in both
 * lists beats one that tops a single list.
 */
export const RRF_RANK_CONSTANT = 60;

/** Hits of the text list a hybrid query fuses: enough to fill the requested page. */
export const hybridTextWindow = (query: SearchQuery, size: number, from: number): number => Math.max(query.knn?.k ?? 0, from + size);

export function reciprocalRankFusion(lists: readonly (readonly SearchHit[])[], rankConstant = RRF_RANK_CONSTANT): SearchHit[] {
  const fused = new Map<string, { hit: SearchHit; score: number }>();
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const entry = fused.get(hit.id) ?? { hit, score: 0 };
      entry.score += 1 / (rankConstant + rank + 1);
      fused.set(hit.id, entry);
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || (a.hit.id < b.hit.id ? -1 : a.hit.id > b.hit.id ? 1 : 0))
    .map(({ hit, score }) => ({ id: hit.id, score, doc: hit.doc }));
}
