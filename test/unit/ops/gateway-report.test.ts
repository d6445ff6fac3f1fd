import { expect } from 'chai';
import type { Phase, PhaseResult } from '../../../ops/bench/gateway/protocol.js';
import { baselineTable, judge, roundsTable, type Measured, type Results } from '../../../ops/bench/gateway/report.js';

/** A phase's figures with only what the judgement reads: p50, p99 and throughput. */
function measured(phase: Phase, figures: { p50?: number; p99?: number; throughput?: number }): Measured {
  const latency = { p50: figures.p50 ?? 0, p90: 0, p99: figures.p99 ?? 0, p999: 0, max: 0, count: 1 };
  const result: PhaseResult = { phase, elapsedSeconds: 1, sent: 1, ok: 1, non2xx: {}, errors: 0, firstFailure: null, throughput: figures.throughput ?? 0, latency, service: latency, sendLag: null };
  return { result, cpu: null, window: { from: 0, to: 1 } };
}

const at500 = (p50: number, p99: number) => measured({ kind: 'rate', name: '500/s', rate: 500, seconds: 1 }, { p50, p99 });
const atMax = (throughput: number) => measured({ kind: 'max', name: 'max', connections: 64, seconds: 1 }, { throughput });

/** One round: the upstream at 1 ms / 2 ms, the proxy adding 0.5 / 2 ms, NexusAI adding what is given. */
const round = (nexusAddedP50: number, nexusAddedP99: number, nexusShare: number): Results => ({
  direct: [at500(1, 2), atMax(20_000)],
  proxy: [at500(1.5, 4), atMax(6_000)],
  nexus: [at500(1 + nexusAddedP50, 2 + nexusAddedP99), atMax(6_000 * nexusShare)],
});

describe('the gateway benchmark against its targets', () => {
  it('judges one round by the figures the issue names', () => {
    const judged = judge(round(0.8, 5, 0.45), [500]);
    expect(judged.map(({ target, pass }) => [target, pass])).to.deep.equal([
      ['added p50 at 500 req/s', true],
      ['added p99 at 500 req/s', false],
      ['max throughput vs bare proxy', false],
    ]);
    expect(judged.map(({ value }) => value)).to.deep.equal([0.8, 2.5, 0.45]);
  });

  it('says what a round could not measure instead of judging it', () => {
    const judged = judge({ nexus: [at500(2, 3), atMax(1_000)] }, [500]);
    expect(judged.map(({ value, pass }) => [value, pass])).to.deep.equal([
      [null, false],
      [null, false],
    ]);
    expect(judged[0].text).to.include('not measured');
  });

  it('tabulates every round and the median, with how many rounds met each target', () => {
    const rounds = [round(0.8, 3, 0.45), round(1.4, 1, 0.52), round(0.9, 5, 0.41)].map((results) => judge(results, [500]));
    const table = roundsTable(rounds);
    expect(table[0]).to.equal('| target | round 1 | round 2 | round 3 | median | rounds met |');
    expect(table).to.include('| added p50 at 500 req/s | 0.80 ms PASS | 1.40 ms MISS | 0.90 ms PASS | 0.90 ms | 2 of 3 |');
    expect(table).to.include('| added p99 at 500 req/s | 1.5× PASS | 0.5× PASS | 2.5× MISS | 1.5× | 2 of 3 |');
    expect(table).to.include('| max throughput vs bare proxy | 45% MISS | 52% PASS | 41% MISS | 45% | 1 of 3 |');
  });

  it('compares the working tree with the baseline figure by figure, round by round', () => {
    const withCpu = (m: Measured, target: number): Measured => ({ ...m, cpu: { target, load: 10 } });
    const pair = (baselineMax: number, nexusMax: number, baselineP50: number, nexusP50: number, cpu: readonly [number, number]): Results => ({
      baseline: [withCpu(at500(baselineP50, 5), cpu[0]), atMax(baselineMax)],
      nexus: [withCpu(at500(nexusP50, 5), cpu[1]), atMax(nexusMax)],
    });
    const table = baselineTable([pair(2_700, 3_200, 1.8, 1.5, [60, 50]), pair(2_800, 2_700, 1.6, 1.7, [58, 60]), { nexus: [atMax(1)] }], [500]);
    expect(table[0]).to.equal('| figure | round 1 | round 2 | median change | working tree better |');
    expect(table).to.include('| max throughput | 2,700 req/s → 3,200 req/s | 2,800 req/s → 2,700 req/s | +7.5% | 1 of 2 |');
    expect(table).to.include('| p50 at 500 req/s | 1.80 ms → 1.50 ms | 1.60 ms → 1.70 ms | -5.2% | 1 of 2 |');
    expect(table).to.include('| p99 at 500 req/s | 5.00 ms → 5.00 ms | 5.00 ms → 5.00 ms | +0.0% | 0 of 2 |');
    expect(table).to.include('| CPU at 500 req/s | 60% → 50% | 58% → 60% | -6.6% | 1 of 2 |');
  });

  it('has no baseline table when no round measured both builds', () => {
    expect(baselineTable([{ nexus: [atMax(1)] }], [500])).to.deep.equal([]);
  });
});
