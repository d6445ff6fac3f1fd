import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  PROVIDERS,
  PROVIDERS_WITHOUT_DEFAULT_ENDPOINT,
  RegisterDeploymentBody,
  RegisterDeploymentData,
  SetDeploymentCredentialRefBody,
  currentPrice,
  deploymentDecider,
  deploymentStreamId,
  priceAt,
  type DeploymentCommand,
  type DeploymentEvent,
  type DeploymentPrice,
} from '../../../domain/deployment/index.js';
import { fold } from '../../../domain/shared/decider.js';
import { ConflictError, NotFoundError } from '../../../domain/shared/errors.js';
import { spec } from '../../support/spec.js';

const REGISTERED_AT = '2026-11-01T09:00:00.000Z';
const NOW = '2026-11-26T10:00:00.000Z';
const deploymentId = 'd_gpt4o_eu';
const priceV1: DeploymentPrice = { priceVersion: 1, inputPricePerMTokMicros: 2_500_000, outputPricePerMTokMicros: 10_000_000, currency: 'USD', effectiveFrom: REGISTERED_AT };
const priceV2: DeploymentPrice = { ...priceV1, priceVersion: 2, inputPricePerMTokMicros: 2_000_000, effectiveFrom: NOW };
const profile = { deploymentId, provider: 'azure-openai', upstreamModel: 'gpt-4o-2024-08-06', modelAlias: 'gpt-4o', region: 'eu', baseUrl: 'https://acme-eu.openai.azure.com', credentialRef: 'azure-eu-prod', weight: 100 } as const;
const registered: DeploymentEvent = { type: 'DeploymentRegistered', data: { ...profile, price: priceV1 } };
const priceChanged: DeploymentEvent = { type: 'DeploymentPriceChanged', data: { deploymentId, price: priceV2 } };
const disabled: DeploymentEvent = { type: 'DeploymentDisabled', data: { deploymentId, reason: 'provider outage' } };
const command = (c: Omit<DeploymentCommand, 'meta'>, now = NOW): DeploymentCommand => ({ ...c, meta: { now, actor: 'admin' } }) as DeploymentCommand;
const register = (changes: { provider?: 'openai'; baseUrl?: null; credentialRef?: null } = {}) =>
  command({ type: 'RegisterDeployment', data: { ...profile, inputPricePerMTokMicros: 2_500_000, outputPricePerMTokMicros: 10_000_000, currency: 'USD', ...changes } }, REGISTERED_AT);
const changePrice = (inputPricePerMTokMicros: number, now = NOW, currency = 'USD') =>
  command({ type: 'ChangeDeploymentPrice', data: { deploymentId, inputPricePerMTokMicros, outputPricePerMTokMicros: 10_000_000, currency } }, now);
const deployment = spec(deploymentDecider);

const issuePaths = (parsed: { error?: { issues: readonly { path: readonly PropertyKey[] }[] } }): string[] =>
  (parsed.error?.issues ?? []).map((issue) => issue.path.join('.'));

describe('deployment command data', () => {
  const body = { provider: 'ollama', upstreamModel: 'llama3:70b', modelAlias: 'llama3:70b', region: 'eu', baseUrl: 'http://localhost:11434', inputPricePerMTokMicros: 0, outputPricePerMTokMicros: 0, currency: 'USD' };
  it('defaults the weight to 100 and the credential to none', () => expect(RegisterDeploymentBody.parse(body)).to.include({ weight: 100, credentialRef: null }));
  it('accepts a null or absent base URL where the provider has a public endpoint, and refuses non-http URLs', () => {
    expect(RegisterDeploymentBody.safeParse({ ...body, provider: 'openai', baseUrl: null }).success).to.equal(true);
    const { baseUrl: _omitted, ...withoutBaseUrl } = body;
    expect(RegisterDeploymentBody.parse({ ...withoutBaseUrl, provider: 'anthropic' }).baseUrl).to.equal(null);
    expect(RegisterDeploymentBody.safeParse({ ...body, baseUrl: 'file:///etc/passwd' }).success).to.equal(false);
  });
  it('requires a base URL, on the baseUrl field, for every provider without a public endpoint', () => {
    expect([...PROVIDERS_WITHOUT_DEFAULT_ENDPOINT]).to.have.members(['azure-openai', 'ollama', 'vllm', 'openai-compatible']);
    for (const provider of PROVIDERS) {
      const parsed = RegisterDeploymentBody.safeParse({ ...body, provider, baseUrl: null });
      const needed = PROVIDERS_WITHOUT_DEFAULT_ENDPOINT.includes(provider);
      expect(parsed.success, provider).to.equal(!needed);
      if (needed) expect(issuePaths(parsed), provider).to.deep.equal(['baseUrl']);
    }
    expect(issuePaths(RegisterDeploymentData.safeParse({ ...body, deploymentId, provider: 'azure-openai', baseUrl: null }))).to.deep.equal(['baseUrl']);
  });
  it('takes the name of a secret as credentialRef, never anything that looks like a path or a free text', () => {
    expect(RegisterDeploymentBody.parse({ ...body, credentialRef: 'openai-prod' }).credentialRef).to.equal('openai-prod');
    expect(RegisterDeploymentBody.parse({ ...body, credentialRef: null }).credentialRef).to.equal(null);
    for (const bad of ['OpenAI-Prod', '-leading-dash', '../etc/passwd', 'has space', '', 'x'.repeat(64)]) {
      expect(issuePaths(RegisterDeploymentBody.safeParse({ ...body, credentialRef: bad })), bad).to.deep.equal(['credentialRef']);
    }
    expect(SetDeploymentCredentialRefBody.safeParse({ credentialRef: 'ollama_local' }).success).to.equal(true);
    expect(SetDeploymentCredentialRefBody.safeParse({}).success, 'null must be said explicitly to remove the credential').to.equal(false);
  });
  it('never accepts a secret value in a command', () => {
    expect(issuePaths(RegisterDeploymentBody.safeParse({ ...body, apiKey: 'sk-live-123' }))).to.deep.equal(['']);
    expect(SetDeploymentCredentialRefBody.safeParse({ credentialRef: 'openai-prod', secret: 'sk-live-123' }).success).to.equal(false);
  });
  it('refuses unknown providers, bad aliases and weights out of range', () => {
    expect(RegisterDeploymentBody.safeParse({ ...body, provider: 'bedrock' }).success).to.equal(false);
    expect(RegisterDeploymentBody.safeParse({ ...body, modelAlias: 'gpt 4o' }).success).to.equal(false);
    expect(RegisterDeploymentBody.safeParse({ ...body, weight: 1001 }).success).to.equal(false);
  });
  it('takes the deployment id from the URL, not from the body', () => {
    expect(RegisterDeploymentBody.safeParse({ ...body, deploymentId }).success).to.equal(false);
    expect(RegisterDeploymentData.safeParse({ ...body, deploymentId }).success).to.equal(true);
  });
  it('keeps the catalog in the platform tenant', () => expect(deploymentStreamId(deploymentId)).to.equal('deployment-platform.d_gpt4o_eu'));
});

describe('deployment decider', () => {
  describe('RegisterDeployment', () => {
    it('registers with price version 1 effective now', () => deployment.given([]).when(register()).then([registered]));
    it('records a null base URL and a null credential explicitly', () =>
      deployment.given([]).when(register({ provider: 'openai', baseUrl: null, credentialRef: null })).then([
        { type: 'DeploymentRegistered', data: { ...profile, provider: 'openai', baseUrl: null, credentialRef: null, price: priceV1 } },
      ]));
    it('refuses an id that is taken', () => deployment.given([registered]).when(register()).thenThrows(ConflictError, /already exists/));
  });

  describe('ChangeDeploymentWeight', () => {
    const weight = (w: number) => command({ type: 'ChangeDeploymentWeight', data: { deploymentId, weight: w } });
    it('changes the weight', () =>
      deployment.given([registered]).when(weight(0)).then([{ type: 'DeploymentWeightChanged', data: { deploymentId, weight: 0, previousWeight: 100 } }]));
    it('records nothing for the same weight', () => deployment.given([registered]).when(weight(100)).then([]));
    it('is not found for an unknown deployment', () => deployment.given([]).when(weight(5)).thenThrows(NotFoundError, /deployment 'd_gpt4o_eu'/));
    it('may change while disabled', () =>
      deployment.given([registered, disabled]).when(weight(10)).then([{ type: 'DeploymentWeightChanged', data: { deploymentId, weight: 10, previousWeight: 100 } }]));
  });

  describe('ChangeDeploymentPrice', () => {
    it('adds the next price version, effective now', () => deployment.given([registered]).when(changePrice(2_000_000)).then([priceChanged]));
    it('records nothing for the same price', () => deployment.given([registered]).when(changePrice(2_500_000)).then([]));
    it('treats another currency as another price', () =>
      deployment.given([registered]).when(changePrice(2_500_000, NOW, 'EUR')).then([
        { type: 'DeploymentPriceChanged', data: { deploymentId, price: { ...priceV1, priceVersion: 2, currency: 'EUR', effectiveFrom: NOW } } },
      ]));
    it('never dates a version before the current one (clock skew)', () =>
      deployment.given([registered, priceChanged]).when(changePrice(1_000_000, '2026-11-26T09:59:59.000Z')).then([
        { type: 'DeploymentPriceChanged', data: { deploymentId, price: { ...priceV1, priceVersion: 3, inputPricePerMTokMicros: 1_000_000, effectiveFrom: NOW } } },
      ]));
    it('is not found for an unknown deployment', () => deployment.given([]).when(changePrice(1)).thenThrows(NotFoundError));
    it('may change while disabled, keeping the history', () =>
      deployment.given([registered, disabled]).when(changePrice(2_000_000)).thenState({ status: 'disabled', reason: 'provider outage', ...profile, prices: [priceV1, priceV2] }));
  });

  describe('SetDeploymentCredentialRef', () => {
    const setRef = (credentialRef: string | null) => command({ type: 'SetDeploymentCredentialRef', data: { deploymentId, credentialRef } });
    const rotated: DeploymentEvent = { type: 'DeploymentCredentialRefSet', data: { deploymentId, credentialRef: 'azure-eu-2027', previousCredentialRef: 'azure-eu-prod' } };
    it('names another secret, recording the one before', () => deployment.given([registered]).when(setRef('azure-eu-2027')).then([rotated]));
    it('removes the credential with null', () =>
      deployment.given([registered]).when(setRef(null)).then([{ type: 'DeploymentCredentialRefSet', data: { deploymentId, credentialRef: null, previousCredentialRef: 'azure-eu-prod' } }]));
    it('records nothing for the same name', () => deployment.given([registered]).when(setRef('azure-eu-prod')).then([]));
    it('is not found for an unknown deployment', () => deployment.given([]).when(setRef('azure-eu-2027')).thenThrows(NotFoundError, /deployment 'd_gpt4o_eu'/));
    it('may change while disabled, which stays disabled', () =>
      deployment.given([registered, disabled]).when(setRef('azure-eu-2027')).thenState({ status: 'disabled', reason: 'provider outage', ...profile, credentialRef: 'azure-eu-2027', prices: [priceV1] }));
    it('survives disabling and re-enabling', () =>
      deployment.given([registered, rotated, disabled]).when(command({ type: 'EnableDeployment', data: { deploymentId } })).thenState({ status: 'enabled', ...profile, credentialRef: 'azure-eu-2027', prices: [priceV1] }));
  });

  describe('DisableDeployment / EnableDeployment', () => {
    const disable = command({ type: 'DisableDeployment', data: { deploymentId, reason: 'provider outage' } });
    const enable = command({ type: 'EnableDeployment', data: { deploymentId } });
    it('disables an enabled deployment', () => deployment.given([registered]).when(disable).then([disabled]));
    it('refuses to disable twice', () => deployment.given([registered, disabled]).when(disable).thenThrows(ConflictError, /already disabled/));
    it('enables a disabled deployment', () => deployment.given([registered, disabled]).when(enable).then([{ type: 'DeploymentEnabled', data: { deploymentId } }]));
    it('refuses to enable an enabled deployment', () => deployment.given([registered]).when(enable).thenThrows(ConflictError, /already enabled/));
    it('is not found for an unknown deployment', () => {
      deployment.given([]).when(disable).thenThrows(NotFoundError);
      deployment.given([]).when(enable).thenThrows(NotFoundError);
    });
    it('keeps the profile and prices through re-enabling', () =>
      deployment.given([registered, disabled]).when(enable).thenState({ status: 'enabled', ...profile, prices: [priceV1] }));
  });
});

describe('deployment prices over time', () => {
  const state = fold(deploymentDecider, [registered, priceChanged]);
  it('has no price before registration', () => {
    expect(priceAt(state, '2026-11-01T08:59:59.999Z')).to.equal(null);
    expect(priceAt(deploymentDecider.initialState(), NOW)).to.equal(null);
  });
  it('answers the version in effect at an instant, boundaries included', () => {
    expect(priceAt(state, REGISTERED_AT)).to.deep.equal(priceV1);
    expect(priceAt(state, '2026-11-26T09:59:59.999Z')).to.deep.equal(priceV1);
    expect(priceAt(state, NOW)).to.deep.equal(priceV2);
    expect(priceAt(state, '2027-01-01T00:00:00Z')).to.deep.equal(priceV2);
  });
  it('compares instants, not strings, across offsets', () => expect(priceAt(state, '2026-11-26T11:00:00+01:00')).to.deep.equal(priceV2));
  it('lets the later version win when two share an instant', () => {
    const priceV3: DeploymentPrice = { ...priceV2, priceVersion: 3, outputPricePerMTokMicros: 8_000_000 };
    const same = fold(deploymentDecider, [registered, priceChanged, { type: 'DeploymentPriceChanged', data: { deploymentId, price: priceV3 } }]);
    expect(priceAt(same, NOW)).to.deep.equal(priceV3);
    expect(currentPrice(same)).to.deep.equal(priceV3);
  });
});
