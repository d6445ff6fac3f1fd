/**
 * The full-text half of the in-process adapter: an inverted index per text field with
 * BM25 scoring (k1 = 1.2, b = 0.75 and Lucene's idf, as Elasticsearch's default
 * similarity), so relevance orders the same way as on the production engine. Statistics
 * (document counts, lengths) are over the whole index, every tenant included, as an
 * Elasticsearch shard computes them; tenant scoping happens when candidates are filtered.
 */

const K1 = 1.2;
const B = 0.75;

/** Lowercase, then split on anything that is not a letter, digit or combining mark (Unicode-aware). */
export function analyze(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}\p{M}]+/u).filter((token) => token.length > 0);
}

class FieldPostings {
  /** term → (document id → term frequency) */
  private readonly postings = new Map<string, Map<string, number>>();
  /** document id → number of tokens in this field */
  private readonly lengths = new Map<string, number>();
  private totalLength = 0;

  add(id: string, tokens: readonly string[]): void {
    if (tokens.length === 0) return;
    this.lengths.set(id, tokens.length);
    this.totalLength += tokens.length;
    const counts = new Map<string, number>();
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    for (const [term, tf] of counts) {
      let docs = this.postings.get(term);
      if (!docs) this.postings.set(term, (docs = new Map()));
      docs.set(id, tf);
    }
  }

  /** Removes a document; `terms` are the distinct terms it was added with. */
  remove(id: string, terms: readonly string[]): void {
    const length = this.lengths.get(id);
    if (length === undefined) return;
    this.lengths.delete(id);
    this.totalLength -= length;
    for (const term of terms) {
      const docs = this.postings.get(term);
      docs?.delete(id);
      if (docs?.size === 0) this.postings.delete(term);
    }
  }

  /** BM25 of every document holding at least one of the terms, with how many terms each matched. */
  score(terms: readonly string[]): Map<string, { score: number; matched: number }> {
    const scores = new Map<string, { score: number; matched: number }>();
    const docCount = this.lengths.size;
    if (docCount === 0) return scores;
    const avgLength = this.totalLength / docCount;
    for (const term of new Set(terms)) {
      const docs = this.postings.get(term);
      if (!docs) continue;
      const idf = Math.log(1 + (docCount - docs.size + 0.5) / (docs.size + 0.5));
      for (const [id, tf] of docs) {
        const norm = K1 * (1 - B + (B * (this.lengths.get(id) ?? 0)) / avgLength);
        const entry = scores.get(id) ?? { score: 0, matched: 0 };
        entry.score += (idf * tf * (K1 + 1)) / (tf + norm);
        entry.matched += 1;
        scores.set(id, entry);
      }
    }
    return scores;
  }
}

export class TextIndex {
  private readonly fields = new Map<string, FieldPostings>();
  /** id → field → its distinct terms, kept so a re-indexed or deleted document can be unposted exactly. */
  private readonly indexed = new Map<string, Map<string, string[]>>();

  constructor(private readonly textFields: readonly string[]) {
    for (const field of textFields) this.fields.set(field, new FieldPostings());
  }

  add(id: string, values: Readonly<Record<string, unknown>>): void {
    this.remove(id);
    const perField = new Map<string, string[]>();
    for (const field of this.textFields) {
      const value = values[field];
      const texts = Array.isArray(value) ? value : [value];
      const tokens = texts.flatMap((text) => (typeof text === 'string' ? analyze(text) : []));
      this.fields.get(field)?.add(id, tokens);
      if (tokens.length > 0) perField.set(field, [...new Set(tokens)]);
    }
    this.indexed.set(id, perField);
  }

  remove(id: string): void {
    const perField = this.indexed.get(id);
    if (!perField) return;
    for (const [field, tokens] of perField) this.fields.get(field)?.remove(id, tokens);
    this.indexed.delete(id);
  }

  /**
   * Scores of matching documents: the best field's BM25 (Elasticsearch's `best_fields`).
   * With 'and', a document must hold every query term in one field.
   */
  search(text: string, operator: 'and' | 'or'): Map<string, number> {
    const terms = [...new Set(analyze(text))];
    const best = new Map<string, number>();
    if (terms.length === 0) return best;
    for (const postings of this.fields.values()) {
      for (const [id, { score, matched }] of postings.score(terms)) {
        if (operator === 'and' && matched < terms.length) continue;
        if (score > (best.get(id) ?? -Infinity)) best.set(id, score);
      }
    }
    return best;
  }
}
