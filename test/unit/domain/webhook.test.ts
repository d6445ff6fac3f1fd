import { expect } from 'chai';
import { describe, it } from 'mocha';
import { ConflictError, NotFoundError } from '../../../domain/shared/errors.js';
import {
  RegisterWebhookBody,
  parseWebhookStreamId,
  webhookDecider,
  webhookStreamId,
  webhookUrlProblem,
  type WebhookCommand,
  type WebhookEvent,
  type WebhookState,
} from '../../../domain/webhook/index.js';
import { spec } from '../../support/spec.js';

const meta = { now: '2026-11-26T10:00:00.000Z', actor: 'admin' };
const tenantId = 'acme';
const webhookId = 'wh_1';
const ref = { tenantId, webhookId };
const url = 'https://hooks.acme.example/nexus';
const registered: WebhookEvent = { type: 'WebhookRegistered', data: { ...ref, url, eventTypes: ['ApiKeyRevoked'], description: null, secretVersion: 1 } };
const rotated: WebhookEvent = { type: 'WebhookSecretRotated', data: { ...ref, secretVersion: 2 } };
const disabled: WebhookEvent = { type: 'WebhookDisabled', data: { ...ref, reason: 'receiver down' } };
const enabled: WebhookEvent = { type: 'WebhookEnabled', data: ref };
const deleted: WebhookEvent = { type: 'WebhookDeleted', data: ref };
const command = (c: Omit<WebhookCommand, 'meta'>): WebhookCommand => ({ ...c, meta }) as WebhookCommand;
const register = command({ type: 'RegisterWebhook', data: { ...ref, url, eventTypes: ['ApiKeyRevoked'], description: null } });
const rotate = command({ type: 'RotateWebhookSecret', data: ref });
const disable = command({ type: 'DisableWebhook', data: { ...ref, reason: 'receiver down' } });
const enable = command({ type: 'EnableWebhook', data: ref });
const remove = command({ type: 'DeleteWebhook', data: ref });
const webhook = spec(webhookDecider);

describe('webhook decider', () => {
  describe('RegisterWebhook', () => {
    it('registers with secret version 1 (the secret itself is in no event)', () => webhook.given([]).when(register).then([registered]));
    it('refuses an id that is taken, even once deleted', () => {
      webhook.given([registered]).when(register).thenThrows(ConflictError);
      webhook.given([registered, deleted]).when(register).thenThrows(ConflictError);
    });
  });

  describe('RotateWebhookSecret', () => {
    it('moves to the next secret version', () => webhook.given([registered]).when(rotate).then([rotated]));
    it('counts on from the current version', () =>
      webhook.given([registered, rotated]).when(rotate).then([{ type: 'WebhookSecretRotated', data: { ...ref, secretVersion: 3 } }]));
    it('rotates a disabled webhook too (a leaked secret is replaced before re-enabling)', () => webhook.given([registered, disabled]).when(rotate).then([rotated]));
    it('is not found for an unknown or deleted webhook', () => {
      webhook.given([]).when(rotate).thenThrows(NotFoundError, /webhook 'wh_1'/);
      webhook.given([registered, deleted]).when(rotate).thenThrows(NotFoundError);
    });
  });

  describe('DisableWebhook / EnableWebhook', () => {
    it('disables an enabled webhook, keeping its profile', () =>
      webhook.given([registered, rotated]).when(disable).thenState({ status: 'disabled', reason: 'receiver down', ...registered.data, secretVersion: 2 } as WebhookState));
    it('refuses to disable twice', () => webhook.given([registered, disabled]).when(disable).thenThrows(ConflictError, /already disabled/));
    it('enables a disabled webhook', () => webhook.given([registered, disabled]).when(enable).then([enabled]));
    it('refuses to enable an enabled webhook', () => webhook.given([registered]).when(enable).thenThrows(ConflictError, /not disabled/));
  });

  describe('DeleteWebhook', () => {
    it('deletes for good, keeping nothing of the endpoint', () =>
      webhook.given([registered]).when(remove).thenState({ status: 'deleted', tenantId, webhookId }));
    it('refuses to delete twice', () => webhook.given([registered, deleted]).when(remove).thenThrows(NotFoundError));
  });
});

describe('webhook URLs', () => {
  it('accepts https anywhere, and plain http on loopback only', () => {
    for (const ok of [url, 'https://10.0.0.1:8443/x?y=1', 'http://127.0.0.1:3000/hooks', 'http://localhost/x', 'http://[::1]:9/x']) {
      expect(webhookUrlProblem(ok), ok).to.equal(null);
    }
  });
  it('refuses other schemes, plain http elsewhere, credentials and fragments', () => {
    expect(webhookUrlProblem('http://hooks.acme.example/x')).to.match(/https/);
    expect(webhookUrlProblem('ftp://hooks.acme.example/x')).to.match(/https/);
    expect(webhookUrlProblem('https://user:pw@hooks.acme.example/x')).to.match(/credentials/);
    expect(webhookUrlProblem('https://hooks.acme.example/x#frag')).to.match(/fragment/);
    expect(webhookUrlProblem('hooks.acme.example/x')).to.match(/absolute/);
  });
  it('the HTTP body names the field and refuses event types outside the closed list', () => {
    expect(RegisterWebhookBody.safeParse({ url: 'http://evil.example', eventTypes: ['ApiKeyRevoked'] }).error?.issues[0].path).to.deep.equal(['url']);
    expect(RegisterWebhookBody.safeParse({ url, eventTypes: ['InferenceCompleted'] }).success).to.equal(false);
    expect(RegisterWebhookBody.safeParse({ url, eventTypes: ['ApiKeyRevoked', 'ApiKeyRevoked'] }).success).to.equal(false);
    expect(RegisterWebhookBody.parse({ url, eventTypes: ['ApiKeyRevoked'] }).description).to.equal(null);
  });
});

describe('webhook stream ids', () => {
  it('round-trip as webhook-{tenantId}.{webhookId}', () => {
    expect(webhookStreamId(tenantId, webhookId)).to.equal('webhook-acme.wh_1');
    expect(parseWebhookStreamId('webhook-acme.wh_1')).to.deep.equal(ref);
    expect(parseWebhookStreamId('apikey-acme.k_1')).to.equal(null);
    expect(() => webhookStreamId('Acme', webhookId)).to.throw(/tenant/);
  });
});
