import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  IssueApiKeyBody,
  IssueApiKeyData,
  RevokeApiKeyBody,
  RotateApiKeyBody,
  apiKeyDecider,
  apiKeyStreamId,
  isUsable,
  type ApiKeyCommand,
  type ApiKeyEvent,
  type ApiKeyState,
} from '../../../domain/apikey/index.js';
import { ConflictError, NotFoundError, RuleViolationError } from '../../../domain/shared/errors.js';
import { spec } from '../../support/spec.js';

const meta = { now: '2026-11-26T10:00:00.000Z', actor: 'admin' };
const tenantId = 'acme';
const keyId = 'k_1';
const firstHash = 'a'.repeat(64);
const secondHash = 'b'.repeat(64);
const expiresAt = '2027-01-01T00:00:00.000Z';
const issueData = { tenantId, keyId, name: 'CI pipeline', scopes: ['inference' as const], expiresAt, keyHash: firstHash, keyPrefix: 'nx_7fa3c2d1' };
const issued: ApiKeyEvent = { type: 'ApiKeyIssued', data: { tenantId, keyId, name: 'CI pipeline', scopes: ['inference'], keyPrefix: 'nx_7fa3c2d1', keyHash: firstHash, expiresAt } };
const rotated: ApiKeyEvent = { type: 'ApiKeyRotated', data: { tenantId, keyId, keyPrefix: 'nx_0b9e44aa', keyHash: secondHash } };
const revoked: ApiKeyEvent = { type: 'ApiKeyRevoked', data: { tenantId, keyId, reason: 'leaked in a log' } };
const command = (c: Omit<ApiKeyCommand, 'meta'>, at = meta.now): ApiKeyCommand => ({ ...c, meta: { ...meta, now: at } }) as ApiKeyCommand;
const rotate = (at = meta.now) => command({ type: 'RotateApiKey', data: { tenantId, keyId, keyHash: secondHash, keyPrefix: 'nx_0b9e44aa' } }, at);
const revoke = (at = meta.now) => command({ type: 'RevokeApiKey', data: { tenantId, keyId, reason: 'leaked in a log' } }, at);
const apiKey = spec(apiKeyDecider);

describe('api key decider', () => {
  describe('IssueApiKey', () => {
    it('issues a key with its hash and prefix', () => apiKey.given([]).when(command({ type: 'IssueApiKey', data: issueData })).then([issued]));
    it('issues a key that never expires', () =>
      apiKey.given([]).when(command({ type: 'IssueApiKey', data: { ...issueData, expiresAt: null } })).then([{ ...issued, data: { ...issued.data, expiresAt: null } } as ApiKeyEvent]));
    it('refuses a key id that is taken', () => apiKey.given([issued]).when(command({ type: 'IssueApiKey', data: issueData })).thenThrows(ConflictError));
    it('refuses an expiry that is not in the future', () => {
      apiKey.given([]).when(command({ type: 'IssueApiKey', data: { ...issueData, expiresAt: meta.now } })).thenThrows(RuleViolationError);
      apiKey.given([]).when(command({ type: 'IssueApiKey', data: { ...issueData, expiresAt: '2026-11-26T09:00:00Z' } })).thenThrows(RuleViolationError, /after/);
    });
    it('names the broken rule', () => {
      const run = () => apiKeyDecider.decide(command({ type: 'IssueApiKey', data: { ...issueData, expiresAt: meta.now } }), apiKeyDecider.initialState());
      expect(run).to.throw(RuleViolationError).with.property('rule', 'expiry_in_future');
    });
  });

  describe('RotateApiKey', () => {
    it('replaces the hash and prefix', () => apiKey.given([issued]).when(rotate()).then([rotated]));
    it('keeps only the new hash, so the old one stops authenticating', () =>
      apiKey.given([issued]).when(rotate()).thenState({ status: 'active', ...issued.data, keyHash: secondHash, keyPrefix: 'nx_0b9e44aa' } as ApiKeyState));
    it('records nothing when the hash is already current', () => apiKey.given([issued, rotated]).when(rotate()).then([]));
    it('is not found for an unknown key', () => apiKey.given([]).when(rotate()).thenThrows(NotFoundError, /api key 'k_1'/));
    it('refuses a revoked key', () => apiKey.given([issued, revoked]).when(rotate()).thenThrows(ConflictError, /revoked/));
    it('refuses an expired key, from the expiry instant on', () => {
      apiKey.given([issued]).when(rotate(expiresAt)).thenThrows(ConflictError, /expired/);
      apiKey.given([issued]).when(rotate('2027-02-01T00:00:00Z')).thenThrows(ConflictError, /expired/);
    });
  });

  describe('RevokeApiKey', () => {
    it('revokes an active key', () => apiKey.given([issued]).when(revoke()).then([revoked]));
    it('revokes an expired key, so the reason is on record', () => apiKey.given([issued]).when(revoke('2027-02-01T00:00:00Z')).then([revoked]));
    it('is not found for an unknown key', () => apiKey.given([]).when(revoke()).thenThrows(NotFoundError));
    it('refuses to revoke twice', () => apiKey.given([issued, revoked]).when(revoke()).thenThrows(ConflictError, /revoked/));
  });

  describe('isUsable', () => {
    const fold = (events: ApiKeyEvent[]) => events.reduce(apiKeyDecider.evolve, apiKeyDecider.initialState());
    it('accepts an active key before its expiry only', () => {
      expect(isUsable(fold([issued]), meta.now)).to.equal(true);
      expect(isUsable(fold([issued]), expiresAt)).to.equal(false);
    });
    it('refuses unknown and revoked keys', () => {
      expect(isUsable(fold([]), meta.now)).to.equal(false);
      expect(isUsable(fold([issued, revoked]), meta.now)).to.equal(false);
    });
  });

  describe('schemas', () => {
    it('builds the stream id from tenant and key', () => expect(apiKeyStreamId(tenantId, keyId)).to.equal('apikey-acme.k_1'));
    it('rejects duplicate or missing scopes and a malformed hash', () => {
      expect(IssueApiKeyData.safeParse({ ...issueData, scopes: ['inference', 'inference'] }).success).to.equal(false);
      expect(IssueApiKeyData.safeParse({ ...issueData, scopes: [] }).success).to.equal(false);
      expect(IssueApiKeyData.safeParse({ ...issueData, keyHash: 'A'.repeat(64) }).success).to.equal(false);
      expect(IssueApiKeyData.safeParse({ ...issueData, keyPrefix: 'nx_short' }).success).to.equal(false);
      expect(IssueApiKeyData.safeParse({ ...issueData, keyPrefix: 'nx_TOOLONG12' }).success).to.equal(false);
    });
    it('lets clients send only name, scopes and expiry', () => {
      expect(IssueApiKeyBody.parse({ name: 'CI', scopes: ['admin-read'] })).to.deep.equal({ name: 'CI', scopes: ['admin-read'], expiresAt: null });
      expect(IssueApiKeyBody.safeParse({ name: 'CI', scopes: ['inference'], keyHash: firstHash }).success).to.equal(false);
      expect(IssueApiKeyBody.safeParse({ name: 'CI', scopes: ['root'] }).success).to.equal(false);
      expect(RotateApiKeyBody.safeParse({ keyHash: firstHash }).success).to.equal(false);
      expect(RevokeApiKeyBody.safeParse({}).success).to.equal(false);
    });
  });
});
