import type { Decider } from '../shared/decider.js';
import { ConflictError, NotFoundError, RuleViolationError, assertNever } from '../shared/errors.js';
import type { ApiKeyCommand } from './commands.js';
import type { ApiKeyEvent } from './events.js';
import { evolve, initialState, isExpired, type ApiKeyState } from './state.js';

type Active = Extract<ApiKeyState, { status: 'active' }>;

function requireActive(state: ApiKeyState, keyId: string): Active {
  if (state.status === 'none') throw new NotFoundError('api key', keyId);
  if (state.status === 'revoked') throw new ConflictError(`api key '${keyId}' is revoked`, { keyId, status: state.status });
  return state;
}

export function decide(command: ApiKeyCommand, state: ApiKeyState): ApiKeyEvent[] {
  const { tenantId, keyId } = command.data;
  switch (command.type) {
    case 'IssueApiKey': {
      if (state.status !== 'none') throw new ConflictError(`api key '${keyId}' already exists`, { keyId });
      const { name, scopes, keyPrefix, keyHash, expiresAt } = command.data;
      if (isExpired(expiresAt, command.meta.now)) {
        throw new RuleViolationError('expiry_in_future', 'expiresAt must be after the time of issue', { expiresAt, now: command.meta.now });
      }
      return [{ type: 'ApiKeyIssued', data: { tenantId, keyId, name, scopes, keyPrefix, keyHash, expiresAt } }];
    }
    case 'RotateApiKey': {
      const key = requireActive(state, keyId);
      // A new secret must not extend the life of a key that has already run out.
      if (isExpired(key.expiresAt, command.meta.now)) throw new ConflictError(`api key '${keyId}' has expired`, { keyId, expiresAt: key.expiresAt });
      const { keyHash, keyPrefix } = command.data;
      if (key.keyHash === keyHash) return []; // already so: nothing happened
      return [{ type: 'ApiKeyRotated', data: { tenantId, keyId, keyPrefix, keyHash } }];
    }
    case 'RevokeApiKey': {
      // An expired key may still be revoked: the reason (a leak found later) is worth recording,
      // and refusing would only make clean-up of old keys fail.
      requireActive(state, keyId);
      return [{ type: 'ApiKeyRevoked', data: { tenantId, keyId, reason: command.data.reason } }];
    }
    default:
      return assertNever(command, 'api key command');
  }
}

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState> = { decide, evolve, initialState };
