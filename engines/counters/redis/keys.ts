import { hashTag } from '../validate.js';

/**
 * Redis key names: `<prefix><kind>:<key>`, with the caller's key hash-tagged. A key that
 * carries a tag (`rpm:{t_42}:k_7`) keeps it; one without is wrapped whole (`{budget-7}`),
 * so every Redis key derived from one port key, and every key of one consumeAll (which
 * share a tag), hashes to one Redis Cluster slot. The prefix may not contain braces, or it
 * would become the tag.
 */
export class RedisKeyspace {
  constructor(private readonly prefix: string) {
    if (/[{}]/.test(prefix)) throw new RangeError(`keyPrefix may not contain braces: '${prefix}'`);
  }

  rateLimit(key: string): string {
    return this.name('rl', key);
  }

  leases(key: string): string {
    return this.name('cc', key);
  }

  /** state and due: the KEYS of the budget scripts, in that order (see scripts/budgets.ts). */
  budget(key: string): [string, string] {
    const base = this.name('b', key);
    return [base, `${base}:due`];
  }

  idempotency(key: string): string {
    return this.name('idem', key);
  }

  private name(kind: string, key: string): string {
    const tagged = hashTag(key) === key ? `{${key}}` : key;
    return `${this.prefix}${kind}:${tagged}`;
  }
}
