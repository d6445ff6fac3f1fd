import { z } from 'zod';
import type { FindQuery, Page, Doc } from '../../engines/readmodel/port.js';

/** Cursor pagination shared by every list endpoint. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1000).optional(),
});

export type PageParams = z.output<typeof PageQuery>;

/** Builds a FindQuery, dropping filters the client did not give. */
export function findQuery(
  page: PageParams,
  filter: Record<string, FindQuery['filter'] extends Readonly<Record<string, infer F>> | undefined ? F | undefined : never>,
  sort?: FindQuery['sort'],
): FindQuery {
  const defined = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined));
  return { filter: defined as FindQuery['filter'], limit: page.limit, after: page.cursor, sort };
}

/** Strips storage fields (`_position`) from documents before they leave the API. */
export function publicDoc(doc: Doc): Record<string, unknown> {
  const { _position: _drop, ...rest } = doc;
  return rest;
}

export function publicPage(page: Page<Doc>): { items: Record<string, unknown>[]; nextCursor: string | null } {
  return { items: page.items.map(publicDoc), nextCursor: page.nextCursor };
}
