import { expect } from 'chai';
import type { Decider, DomainCommand, DomainEvent } from '../../domain/shared/decider.js';
import { assertValidEventData } from '../../schemas/registry.js';

/**
 * Decider specifications in given/when/then form:
 *
 *   spec(tenantDecider).given([registered]).when(suspend).then([suspended]);
 *   spec(tenantDecider).given([]).when(suspend).thenThrows(NotFoundError);
 *
 * Every event in `given` and every event decided is also validated against its current
 * Avro schema, so a decider cannot emit data its schema would reject.
 */
type ErrorClass = abstract new (...args: never[]) => Error;

export function spec<C extends DomainCommand, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      for (const event of events) assertValidEventData(event.type, event.data);
      const state = events.reduce((acc, event) => decider.evolve(acc, event), decider.initialState());
      return {
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: readonly E[]): void {
              const actual = run();
              for (const event of actual) assertValidEventData(event.type, event.data);
              expect(actual).to.deep.equal(expected);
            },
            thenThrows(errorClass: ErrorClass, messagePattern?: RegExp): void {
              expect(run).to.throw(errorClass as unknown as new () => Error, messagePattern);
            },
            /** The resulting state after applying the decided events. */
            thenState(expected: S): void {
              const next = run().reduce((acc, event) => decider.evolve(acc, event), state);
              expect(next).to.deep.equal(expected);
            },
          };
        },
      };
    },
  };
}
