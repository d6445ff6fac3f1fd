import { z } from 'zod';
import { ENTITY_ID_PATTERN, TENANT_ID_PATTERN } from './streams.js';

/** Field schemas shared by the command schemas of every context. */
export const tenantIdField = z.string().regex(TENANT_ID_PATTERN, 'lower-case letters, digits, "_" or "-", 2–63 characters');
export const entityIdField = z.string().regex(ENTITY_ID_PATTERN, 'letters, digits, "_" or "-", 1–64 characters');
export const nameField = z.string().trim().min(1).max(200);
export const reasonField = z.string().trim().min(1).max(500);
/** Region codes such as `eu`, `us-east-1`; `global` means no residency constraint. */
export const dataRegionField = z.string().regex(/^[a-z]{2,8}(-[a-z0-9]+){0,3}$/, 'a region code such as "eu" or "us-east-1"');
export const isoInstantField = z.iso.datetime({ offset: true });
/** Money is integer micro-units (1 USD = 1,000,000) so sums are exact. */
export const microsField = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const currencyField = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "USD"');
