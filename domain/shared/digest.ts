import { hash } from 'node:crypto';

/**
 * sha256 of a string, lower-case hex, hashed in one call (no Hash object per call): every
 * data-plane request hashes its key, its content and its usage event.
 */
export const sha256Hex = (value: string): string => hash('sha256', value, 'hex');
