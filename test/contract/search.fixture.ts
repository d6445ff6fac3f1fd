import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { IndexMapping, SearchDoc, SearchPort, SearchQuery } from '../../engines/search/port.js';

/** What a search adapter hands the contract suite. */
export interface SearchFixture {
  readonly search: SearchPort;
  cleanup(): Promise<void>;
}

/** A test's own index: a fresh alias, created at version 1 with MAPPING, dropped afterwards. */
export interface Scratch {
  readonly search: SearchPort;
  readonly alias: string;
  put(docs: readonly Doc[], target?: string): Promise<void>;
  ids(query: Omit<SearchQuery, 'tenantId'> & { tenantId?: string }, target?: string): Promise<string[]>;
}

export type Doc = Omit<SearchDoc, 'tenantId'> & { readonly tenantId?: string };

export const TENANT = 't_alpha';
export const OTHER_TENANT = 't_beta';

export const fresh = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;

export const MAPPING: IndexMapping = {
  fields: {
    title: { type: 'text' },
    body: { type: 'text' },
    kind: { type: 'keyword' },
    tags: { type: 'keyword' },
    rank: { type: 'long' },
    at: { type: 'date' },
    embedding: { type: 'dense_vector', dims: 3 },
  },
};

const withTenant = (doc: Doc): SearchDoc => ({ ...doc, tenantId: doc.tenantId ?? TENANT }) as SearchDoc;

export async function scratch(search: SearchPort, created: string[]): Promise<Scratch> {
  const alias = fresh('contract');
  created.push(`${alias}-v1`, `${alias}-v2`);
  await search.ensureIndex(alias, 1, MAPPING);
  return {
    search,
    alias,
    put: (docs, target = alias) => search.index(target, docs.map(withTenant), { refresh: true }),
    ids: async (query, target = alias) => (await search.search(target, { tenantId: TENANT, ...query })).hits.map((hit) => hit.id),
  };
}

/** The same documents for another tenant, ids prefixed with 'x' — identical content, so only the tenant filter tells them apart. */
export const twinOf = (docs: readonly Doc[]): Doc[] => docs.map((doc) => ({ ...doc, id: `x${doc.id}`, tenantId: OTHER_TENANT }));

export async function expectRejection<E extends Error>(action: () => Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${type.name}`).to.be.instanceOf(type);
  return caught as E;
}
