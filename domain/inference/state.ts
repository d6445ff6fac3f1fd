import { assertNever } from '../shared/errors.js';
import type { InferenceCompleted, InferenceEvent, InferenceFailed, InferenceRejected } from './events.js';

/** A request's stream holds one outcome; the state is that outcome, for "what happened to request R". */
export type InferenceState =
  | { readonly status: 'none' }
  | { readonly status: 'completed'; readonly outcome: InferenceCompleted['data'] }
  | { readonly status: 'failed'; readonly outcome: InferenceFailed['data'] }
  | { readonly status: 'rejected'; readonly outcome: InferenceRejected['data'] };

export const initialState = (): InferenceState => ({ status: 'none' });

export function evolve(state: InferenceState, event: InferenceEvent): InferenceState {
  if (state.status !== 'none') return state; // a second outcome cannot be decided; the first one stands
  switch (event.type) {
    case 'InferenceCompleted':
      return { status: 'completed', outcome: event.data };
    case 'InferenceFailed':
      return { status: 'failed', outcome: event.data };
    case 'InferenceRejected':
      return { status: 'rejected', outcome: event.data };
    default:
      return assertNever(event, 'inference event');
  }
}
