import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  BASIS_POINTS_SCALE,
  RampRolloutBody,
  StartRolloutBody,
  StartRolloutData,
  assignsToCandidate,
  candidateBasisPoints,
  percentToBasisPoints,
  rolloutDecider,
  rolloutStreamId,
  stickyBucket,
  type RolloutCommand,
  type RolloutEvent,
  type RolloutState,
} from '../../../domain/rollout/index.js';
import { fold } from '../../../domain/shared/decider.js';
import { ConflictError, NotFoundError, RuleViolationError } from '../../../domain/shared/errors.js';
import { spec } from '../../support/spec.js';

const NOW = '2026-11-26T10:00:00.000Z';
const rolloutId = 'r_gpt4o_canary';
const profile = { rolloutId, modelAlias: 'gpt-4o', candidateDeploymentId: 'd_gpt4o_2024_11' } as const;
const started: RolloutEvent = { type: 'RolloutStarted', data: { ...profile, basisPoints: 500 } };
const ramped = (fromBasisPoints: number, toBasisPoints: number): RolloutEvent => ({ type: 'RolloutRamped', data: { rolloutId, fromBasisPoints, toBasisPoints } });
const paused: RolloutEvent = { type: 'RolloutPaused', data: { rolloutId, reason: 'error rate above baseline' } };
const resumed: RolloutEvent = { type: 'RolloutResumed', data: { rolloutId } };
const completed: RolloutEvent = { type: 'RolloutCompleted', data: { rolloutId, fromBasisPoints: 500 } };
const rolledBack: RolloutEvent = { type: 'RolledBack', data: { rolloutId, reason: 'latency regression', fromBasisPoints: 500 } };
const command = (c: Omit<RolloutCommand, 'meta'>): RolloutCommand => ({ ...c, meta: { now: NOW, actor: 'admin' } }) as RolloutCommand;
const start = (percent = 5) => command({ type: 'StartRollout', data: { ...profile, percent } });
const ramp = (percent: number) => command({ type: 'RampRollout', data: { rolloutId, percent } });
const pause = command({ type: 'PauseRollout', data: { rolloutId, reason: 'error rate above baseline' } });
const resume = command({ type: 'ResumeRollout', data: { rolloutId } });
const complete = command({ type: 'CompleteRollout', data: { rolloutId } });
const rollBack = command({ type: 'RollBackRollout', data: { rolloutId, reason: 'latency regression' } });
const rollout = spec(rolloutDecider);
const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
const activeAt = (basisPoints: number): RolloutState => ({ status: 'active', ...profile, basisPoints });

describe('rollout command data', () => {
  const body = { modelAlias: 'gpt-4o', candidateDeploymentId: 'd_gpt4o_2024_11', percent: 12.5 };
  it('accepts percents from 0 to 100 with up to two decimals', () => {
    for (const percent of [0, 0.01, 0.29, 12.5, 33.33, 100]) expect(RampRolloutBody.safeParse({ percent }).success, String(percent)).to.equal(true);
  });
  it('refuses percents out of range, with three decimals, or not numbers', () => {
    for (const percent of [-0.01, 100.01, 12.345, Number.NaN, Number.POSITIVE_INFINITY, '50']) {
      expect(RampRolloutBody.safeParse({ percent }).success, String(percent)).to.equal(false);
    }
  });
  it('refuses bad aliases and unknown fields', () => {
    expect(StartRolloutBody.safeParse({ ...body, modelAlias: 'gpt 4o' }).success).to.equal(false);
    expect(StartRolloutBody.safeParse({ ...body, weight: 10 }).success).to.equal(false);
  });
  it('takes the rollout id from the URL, not from the body', () => {
    expect(StartRolloutBody.safeParse({ ...body, rolloutId }).success).to.equal(false);
    expect(StartRolloutData.safeParse({ ...body, rolloutId }).success).to.equal(true);
  });
  it('keeps rollouts in the platform tenant', () => expect(rolloutStreamId(rolloutId)).to.equal('rollout-platform.r_gpt4o_canary'));
});

describe('percent to basis points', () => {
  it('is exact for two decimals, including values binary floats cannot hold', () => {
    expect(percentToBasisPoints(0)).to.equal(0);
    expect(percentToBasisPoints(0.01)).to.equal(1);
    expect(percentToBasisPoints(0.29)).to.equal(29); // 0.29 * 100 = 28.999999999999996
    expect(percentToBasisPoints(12.5)).to.equal(1250);
    expect(percentToBasisPoints(100)).to.equal(BASIS_POINTS_SCALE);
  });
  it('is a rule violation out of range or beyond two decimals', () => {
    expect(() => percentToBasisPoints(100.5)).to.throw(RuleViolationError, /between 0 and 100/);
    expect(() => percentToBasisPoints(-1)).to.throw(RuleViolationError, /between 0 and 100/);
    expect(() => percentToBasisPoints(Number.NaN)).to.throw(RuleViolationError);
    expect(() => percentToBasisPoints(0.125)).to.throw(RuleViolationError, /two decimals/);
  });
});

describe('rollout decider', () => {
  describe('StartRollout', () => {
    it('starts with the share in basis points', () => rollout.given([]).when(start(5)).then([started]));
    it('may start at 0 % (armed, no traffic yet)', () =>
      rollout.given([]).when(start(0)).then([{ type: 'RolloutStarted', data: { ...profile, basisPoints: 0 } }]));
    it('refuses an id that is taken, even once finished', () => {
      rollout.given([started]).when(start()).thenThrows(ConflictError, /already exists/);
      rollout.given([started, completed]).when(start()).thenThrows(ConflictError, /already exists/);
    });
    it('is a rule violation out of range (callers that bypass the schema)', () => {
      rollout.given([]).when(start(101)).thenThrows(RuleViolationError, /between 0 and 100/);
      rollout.given([]).when(start(2.555)).thenThrows(RuleViolationError, /two decimals/);
    });
  });

  describe('RampRollout', () => {
    it('ramps up', () => rollout.given([started]).when(ramp(25)).then([ramped(500, 2500)]));
    it('ramps down', () => rollout.given([started, ramped(500, 2500)]).when(ramp(10)).then([ramped(2500, 1000)]));
    it('may ramp to 0 % and to 100 % without finishing', () => {
      rollout.given([started]).when(ramp(0)).thenState({ status: 'active', ...profile, basisPoints: 0 });
      rollout.given([started]).when(ramp(100)).thenState({ status: 'active', ...profile, basisPoints: 10_000 });
    });
    it('records nothing for the same share', () => rollout.given([started]).when(ramp(5)).then([]));
    it('is not found for an unknown rollout', () => rollout.given([]).when(ramp(10)).thenThrows(NotFoundError, /rollout 'r_gpt4o_canary'/));
    it('refuses to move a paused split', () => rollout.given([started, paused]).when(ramp(50)).thenThrows(ConflictError, /paused/));
    it('refuses once completed or rolled back', () => {
      rollout.given([started, completed]).when(ramp(50)).thenThrows(ConflictError, /completed/);
      rollout.given([started, rolledBack]).when(ramp(50)).thenThrows(ConflictError, /rolled back/);
    });
    it('is a rule violation out of range', () => rollout.given([started]).when(ramp(150)).thenThrows(RuleViolationError));
  });

  describe('PauseRollout / ResumeRollout', () => {
    it('pauses an active rollout, keeping its share', () => {
      rollout.given([started]).when(pause).then([paused]);
      rollout.given([started]).when(pause).thenState({ status: 'paused', reason: 'error rate above baseline', ...profile, basisPoints: 500 });
    });
    it('refuses to pause twice', () => rollout.given([started, paused]).when(pause).thenThrows(ConflictError, /already paused/));
    it('resumes a paused rollout', () => rollout.given([started, paused]).when(resume).then([resumed]));
    it('refuses to resume an active rollout', () => rollout.given([started]).when(resume).thenThrows(ConflictError, /not paused/));
    it('is not found for an unknown rollout', () => {
      rollout.given([]).when(pause).thenThrows(NotFoundError);
      rollout.given([]).when(resume).thenThrows(NotFoundError);
    });
    it('refuses once finished', () => {
      rollout.given([started, completed]).when(pause).thenThrows(ConflictError, /completed/);
      rollout.given([started, paused, rolledBack]).when(resume).thenThrows(ConflictError, /rolled back/);
    });
  });

  describe('CompleteRollout / RollBackRollout', () => {
    it('completes an active or paused rollout: the candidate gets 100 %', () => {
      rollout.given([started]).when(complete).then([completed]);
      rollout.given([started, paused]).when(complete).thenState({ status: 'completed', ...profile, basisPoints: 10_000 });
    });
    it('rolls back an active or paused rollout: the candidate gets 0 %', () => {
      rollout.given([started]).when(rollBack).then([rolledBack]);
      rollout.given([started, paused]).when(rollBack).thenState({ status: 'rolledBack', reason: 'latency regression', ...profile, basisPoints: 0 });
    });
    it('records the share the candidate had', () =>
      rollout.given([started, ramped(500, 3000)]).when(rollBack).then([{ type: 'RolledBack', data: { rolloutId, reason: 'latency regression', fromBasisPoints: 3000 } }]));
    it('treats completed and rolled back as final', () => {
      rollout.given([started, completed]).when(complete).thenThrows(ConflictError, /completed/);
      rollout.given([started, completed]).when(rollBack).thenThrows(ConflictError, /completed/);
      rollout.given([started, rolledBack]).when(complete).thenThrows(ConflictError, /rolled back/);
      rollout.given([started, rolledBack]).when(rollBack).thenThrows(ConflictError, /rolled back/);
    });
    it('is not found for an unknown rollout', () => {
      rollout.given([]).when(complete).thenThrows(NotFoundError);
      rollout.given([]).when(rollBack).thenThrows(NotFoundError);
    });
  });
});

describe('sticky assignment to the candidate', () => {
  const onCandidate = (state: RolloutState) => keys.filter((key) => assignsToCandidate(state, key));

  it('buckets keys into 0..9999 deterministically, salted by the rollout', () => {
    for (const key of keys.slice(0, 500)) {
      const bucket = stickyBucket(rolloutId, key);
      expect(bucket).to.be.within(0, 9999);
      expect(stickyBucket(rolloutId, key)).to.equal(bucket);
    }
    const elsewhere = keys.slice(0, 500).filter((key) => stickyBucket('r_other', key) !== stickyBucket(rolloutId, key));
    expect(elsewhere.length).to.be.greaterThan(450);
  });

  it('sends about 25 % of 10,000 keys to the candidate at 25 %', () => {
    expect(onCandidate(activeAt(2500)).length).to.be.within(2300, 2700);
  });

  it('never moves a key back to the baseline while ramping up', () => {
    let previous = new Set<string>();
    for (const basisPoints of [0, 1, 100, 500, 1000, 2500, 5000, 7500, 9999, 10_000]) {
      const current = new Set(onCandidate(activeAt(basisPoints)));
      expect([...previous].filter((key) => !current.has(key)), `ramp to ${basisPoints}`).to.deep.equal([]);
      previous = current;
    }
    expect(previous.size).to.equal(keys.length);
  });

  it('freezes the split while paused', () => {
    const active = fold(rolloutDecider, [started, ramped(500, 2500)]);
    const held = fold(rolloutDecider, [started, ramped(500, 2500), paused]);
    expect(candidateBasisPoints(held)).to.equal(2500);
    expect(onCandidate(held)).to.deep.equal(onCandidate(active));
  });

  it('sends every key to the candidate once completed, and none once rolled back or before a start', () => {
    const done = fold(rolloutDecider, [started, completed]);
    const undone = fold(rolloutDecider, [started, rolledBack]);
    expect(onCandidate(done).length).to.equal(keys.length);
    expect(onCandidate(undone)).to.deep.equal([]);
    expect(onCandidate(rolloutDecider.initialState())).to.deep.equal([]);
    expect([candidateBasisPoints(done), candidateBasisPoints(undone), candidateBasisPoints(rolloutDecider.initialState())]).to.deep.equal([10_000, 0, 0]);
  });

  it('sends no key at 0 % and every key at 100 % while active', () => {
    expect(onCandidate(activeAt(0))).to.deep.equal([]);
    expect(onCandidate(activeAt(10_000)).length).to.equal(keys.length);
  });
});
