import { assertNever } from '../shared/errors.js';
import type { ApiKeyScope } from './commands.js';
import type { ApiKeyEvent } from './events.js';

interface ApiKeyProfile {
  readonly tenantId: string;
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly keyPrefix: string;
  /** Only the current hash authenticates; a rotation replaces it. */
  readonly keyHash: string;
  readonly expiresAt: string | null;
}

/**
 * Expiry is not a status: it depends on the clock, and evolve has none. State keeps
 * `expiresAt` and `isUsable` answers for a given instant.
 */
export type ApiKeyState =
  | { readonly status: 'none' }
  | ({ readonly status: 'active' } & ApiKeyProfile)
  | ({ readonly status: 'revoked'; readonly reason: string } & ApiKeyProfile);

export const initialState = (): ApiKeyState => ({ status: 'none' });

/** True once `now` has reached `expiresAt` (the expiry instant itself is already expired). */
export function isExpired(expiresAt: string | null, now: string): boolean {
  return expiresAt !== null && Date.parse(now) >= Date.parse(expiresAt);
}

/** Whether the key authenticates at `now`: issued, not revoked, not expired. */
export function isUsable(state: ApiKeyState, now: string): boolean {
  return state.status === 'active' && !isExpired(state.expiresAt, now);
}

export function evolve(state: ApiKeyState, event: ApiKeyEvent): ApiKeyState {
  if (event.type === 'ApiKeyIssued') return { status: 'active', ...event.data };
  if (state.status === 'none') return state; // events before issuance cannot occur; ignore defensively
  switch (event.type) {
    case 'ApiKeyRotated':
      return { ...state, keyHash: event.data.keyHash, keyPrefix: event.data.keyPrefix };
    case 'ApiKeyRevoked':
      return { ...state, status: 'revoked', reason: event.data.reason };
    default:
      return assertNever(event, 'api key event');
  }
}
