import { expect } from 'chai';
import { describe, it } from 'mocha';
import { Registry } from 'prom-client';
import { CLOSED, CircuitBreakers, admit, registerCircuitGauge, settle, type Breaker, type CircuitPolicy, type Verdict } from '../../../api/v1/circuit-breaker.js';

const policy: CircuitPolicy = { failureThreshold: 3, cooldownMs: 1_000 };

/** Settles one admitted call after another at time `now`. */
const afterCalls = (verdicts: readonly Verdict[], now = 0, from: Breaker = CLOSED): Breaker => verdicts.reduce((breaker, verdict) => settle(breaker, verdict, now, policy), from);

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive failures, for the cool-down', () => {
    expect(afterCalls(['failure', 'failure'])).to.deep.equal({ state: 'closed', failures: 2 });
    const open = afterCalls(['failure', 'failure', 'failure'], 500);
    expect(open).to.deep.equal({ state: 'open', until: 1_500 });
    expect(admit(open, 1_499, policy).admitted).to.equal(false);
  });

  it('forgets earlier failures on a success, and ignores calls that say nothing about the deployment', () => {
    expect(afterCalls(['failure', 'failure', 'success', 'failure', 'failure'])).to.deep.equal({ state: 'closed', failures: 2 });
    expect(afterCalls(['failure', 'neutral', 'neutral', 'failure'])).to.deep.equal({ state: 'closed', failures: 2 });
  });

  it('lets one probe through after the cool-down and closes when it succeeds', () => {
    const open: Breaker = { state: 'open', until: 1_000 };
    const probe = admit(open, 1_000, policy);
    expect(probe).to.deep.equal({ admitted: true, breaker: { state: 'half_open', probeSince: 1_000 } });
    expect(admit(probe.breaker, 1_010, policy).admitted, 'a second request while the probe is out').to.equal(false);
    expect(settle(probe.breaker, 'success', 1_200, policy)).to.deep.equal(CLOSED);
  });

  it('opens for a new cool-down when the probe fails', () => {
    const halfOpen: Breaker = { state: 'half_open', probeSince: 1_000 };
    expect(settle(halfOpen, 'failure', 1_200, policy)).to.deep.equal({ state: 'open', until: 2_200 });
  });

  it('lets the next request probe when the probe ended without a verdict, or never reported', () => {
    const halfOpen: Breaker = { state: 'half_open', probeSince: 1_000 };
    const released = settle(halfOpen, 'neutral', 1_100, policy);
    expect(admit(released, 1_100, policy).admitted).to.equal(true);
    expect(admit(halfOpen, 2_000, policy).admitted, 'a probe lost for a whole cool-down').to.equal(true);
  });

  it('keeps the cool-down when a call admitted before the breaker opened ends late', () => {
    const open: Breaker = { state: 'open', until: 1_000 };
    expect(settle(open, 'success', 100, policy)).to.equal(open);
  });

  it('never opens with a threshold of 0', () => {
    const off = { ...policy, failureThreshold: 0 };
    const breaker = [1, 2, 3, 4, 5].reduce((current) => settle(current, 'failure', 0, off), CLOSED);
    expect(admit(breaker, 0, off).admitted).to.equal(true);
  });

  describe('registry', () => {
    it('keeps one breaker per deployment on its own clock, and lists only those not plainly closed', () => {
      let now = 0;
      const breakers = new CircuitBreakers(() => now);
      for (let call = 0; call < 3; call++) {
        expect(breakers.admit('down', policy)).to.equal(true);
        breakers.settle('down', 'failure', policy);
      }
      breakers.settle('healthy', 'success', policy);
      expect(breakers.admit('down', policy)).to.equal(false);
      expect(breakers.admit('healthy', policy)).to.equal(true);
      expect(breakers.states()).to.deep.equal([{ deploymentId: 'down', state: 'open' }]);

      now = 1_000;
      expect(breakers.admit('down', policy)).to.equal(true);
      expect(breakers.stateOf('down')).to.equal('half_open');
      breakers.settle('down', 'success', policy);
      expect(breakers.stateOf('down')).to.equal('closed');
      expect(breakers.states()).to.deep.equal([]);
    });

    it('exposes the states as a Prometheus gauge', async () => {
      const breakers = new CircuitBreakers(() => 0);
      for (let call = 0; call < 3; call++) breakers.settle('down', 'failure', policy);
      breakers.settle('wobbly', 'failure', policy);
      const registry = new Registry();
      registerCircuitGauge(registry, breakers);
      registerCircuitGauge(registry, breakers); // a re-created app on the same registry
      const text = await registry.metrics();
      expect(text).to.include('nexus_upstream_circuit_state{deployment="down"} 2');
      expect(text).to.include('nexus_upstream_circuit_state{deployment="wobbly"} 0');
    });
  });
});
