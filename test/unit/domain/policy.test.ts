import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  AttachPolicyBody,
  CreatePolicyBody,
  PolicyRules,
  PublishPolicyVersionBody,
  enforcedVersion,
  policyDecider,
  policyStreamId,
  type PolicyCommand,
  type PolicyEvent,
  type PolicyState,
} from '../../../domain/policy/index.js';
import { ConflictError, NotFoundError, RuleViolationError } from '../../../domain/shared/errors.js';
import { spec } from '../../support/spec.js';

const meta = { now: '2026-11-26T10:00:00.000Z', actor: 'admin' };
const tenantId = 'acme';
const policyId = 'p_7';
const strict: PolicyRules = { allowedModels: ['gpt-4o', 'claude-sonnet-4'], maxTokens: 4096, piiAction: 'redact', injectionAction: 'block', dataRegions: ['eu'] };
const open: PolicyRules = { allowedModels: null, maxTokens: null, piiAction: 'allow', injectionAction: 'flag', dataRegions: null };
const created: PolicyEvent = { type: 'PolicyCreated', data: { tenantId, policyId, name: 'EU only', description: null } };
const v1: PolicyEvent = { type: 'PolicyVersionPublished', data: { tenantId, policyId, version: 1, rules: strict } };
const v2: PolicyEvent = { type: 'PolicyVersionPublished', data: { tenantId, policyId, version: 2, rules: open } };
const attached: PolicyEvent = { type: 'PolicyAttached', data: { tenantId, policyId, version: 1 } };
const detached: PolicyEvent = { type: 'PolicyDetached', data: { tenantId, policyId } };
const command = (c: Omit<PolicyCommand, 'meta'>): PolicyCommand => ({ ...c, meta }) as PolicyCommand;
const create = (description: string | null = null) => command({ type: 'CreatePolicy', data: { tenantId, policyId, name: 'EU only', description } });
const publish = (rules: PolicyRules) => command({ type: 'PublishPolicyVersion', data: { tenantId, policyId, rules } });
const attach = command({ type: 'AttachPolicy', data: { tenantId, policyId } });
const detach = command({ type: 'DetachPolicy', data: { tenantId, policyId } });
const policy = spec(policyDecider);

describe('policy decider', () => {
  describe('CreatePolicy', () => {
    it('creates a policy without versions', () => policy.given([]).when(create()).then([created]));
    it('keeps a description', () =>
      policy.given([]).when(create('Keeps data in the EU')).then([{ type: 'PolicyCreated', data: { ...created.data, description: 'Keeps data in the EU' } } as PolicyEvent]));
    it('refuses a policy id that is taken', () => policy.given([created]).when(create()).thenThrows(ConflictError));
  });

  describe('PublishPolicyVersion', () => {
    it('publishes version 1, then 2', () => {
      policy.given([created]).when(publish(strict)).then([v1]);
      policy.given([created, v1]).when(publish(open)).then([v2]);
    });
    it('records nothing when the rules equal the latest version, in any list order', () => {
      policy.given([created, v1]).when(publish(strict)).then([]);
      policy.given([created, v1]).when(publish({ ...strict, allowedModels: ['claude-sonnet-4', 'gpt-4o'] })).then([]);
    });
    it('publishes rules equal to an older version as a new version', () =>
      policy.given([created, v1, v2]).when(publish(strict)).then([{ type: 'PolicyVersionPublished', data: { tenantId, policyId, version: 3, rules: strict } }]));
    it('treats "no constraint" and "nothing allowed" as different rules', () =>
      policy.given([created, v1, v2]).when(publish({ ...open, allowedModels: [] })).then([{ type: 'PolicyVersionPublished', data: { tenantId, policyId, version: 3, rules: { ...open, allowedModels: [] } } }]));
    it('is not found for an unknown policy', () => policy.given([]).when(publish(strict)).thenThrows(NotFoundError, /policy 'p_7'/));
    it('keeps every version so past decisions can be explained', () =>
      policy.given([created, v1]).when(publish(open)).thenState({ status: 'detached', ...created.data, versions: [{ version: 1, rules: strict }, { version: 2, rules: open }] } as PolicyState));
  });

  describe('AttachPolicy', () => {
    it('attaches the latest version', () => policy.given([created, v1]).when(attach).then([attached]));
    it('refuses a policy with no published version', () => {
      policy.given([created]).when(attach).thenThrows(RuleViolationError);
      expect(() => policyDecider.decide(attach, policyDecider.evolve(policyDecider.initialState(), created))).to.throw(RuleViolationError).with.property('rule', 'policy_has_no_version');
    });
    it('refuses to attach twice', () => policy.given([created, v1, attached]).when(attach).thenThrows(ConflictError, /already attached/));
    it('is not found for an unknown policy', () => policy.given([]).when(attach).thenThrows(NotFoundError));
    it('enforces a version published after attaching', () => {
      const state = [created, v1, attached, v2].reduce(policyDecider.evolve, policyDecider.initialState());
      expect(enforcedVersion(state)).to.deep.equal({ version: 2, rules: open });
    });
  });

  describe('DetachPolicy', () => {
    it('detaches an attached policy, which then enforces nothing', () => {
      policy.given([created, v1, attached]).when(detach).then([detached]);
      expect(enforcedVersion([created, v1, attached, detached].reduce(policyDecider.evolve, policyDecider.initialState()))).to.equal(null);
    });
    it('refuses a policy that is not attached', () => policy.given([created, v1, attached, detached]).when(detach).thenThrows(ConflictError, /not attached/));
    it('is not found for an unknown policy', () => policy.given([]).when(detach).thenThrows(NotFoundError));
  });

  describe('schemas', () => {
    it('builds the stream id from tenant and policy', () => expect(policyStreamId(tenantId, policyId)).to.equal('policy-acme.p_7'));
    it('requires every rule and rejects out-of-range values', () => {
      expect(PolicyRules.safeParse(strict).success).to.equal(true);
      expect(PolicyRules.safeParse({ ...strict, dataRegions: undefined }).success).to.equal(false);
      expect(PolicyRules.safeParse({ ...strict, maxTokens: 0 }).success).to.equal(false);
      expect(PolicyRules.safeParse({ ...strict, maxTokens: 1_000_001 }).success).to.equal(false);
      expect(PolicyRules.safeParse({ ...strict, piiAction: 'flag' }).success).to.equal(false);
      expect(PolicyRules.safeParse({ ...strict, dataRegions: ['EU'] }).success).to.equal(false);
      expect(PolicyRules.safeParse({ ...strict, allowedModels: ['gpt-4o', 'gpt-4o'] }).success).to.equal(false);
      expect(PolicyRules.safeParse({ ...strict, temperature: 0 }).success).to.equal(false);
    });
    it('parses the HTTP bodies strictly', () => {
      expect(CreatePolicyBody.parse({ policyId, name: 'EU only' })).to.deep.equal({ policyId, name: 'EU only', description: null });
      expect(CreatePolicyBody.safeParse({ policyId, name: 'EU only', description: 'x'.repeat(2001) }).success).to.equal(false);
      expect(CreatePolicyBody.safeParse({ policyId, name: 'EU only', tenantId }).success).to.equal(false);
      expect(PublishPolicyVersionBody.safeParse({ rules: open }).success).to.equal(true);
      expect(AttachPolicyBody.safeParse({ version: 1 }).success).to.equal(false);
    });
  });
});
