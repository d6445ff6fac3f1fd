import type { z } from 'zod';
import type { DomainEvent } from '../shared/decider.js';
import type { InferenceCompletedData, InferenceFailedData, InferenceRejectedData } from './commands.js';

/**
 * Events of the inference context, one per request stream. Schemas: schemas/events/inference/*.avsc
 * Their data is exactly what RecordInferenceOutcome carries, so the field reference lives
 * with the zod schemas in commands.ts. Costs are integer micro-units (Avro long).
 */
export type InferenceCompleted = DomainEvent<'InferenceCompleted', z.infer<typeof InferenceCompletedData>>;
/** Every attempt failed, or a stream broke after it started (its partial usage is billed). */
export type InferenceFailed = DomainEvent<'InferenceFailed', z.infer<typeof InferenceFailedData>>;
/** Refused before any provider was called: nothing was spent. */
export type InferenceRejected = DomainEvent<'InferenceRejected', z.infer<typeof InferenceRejectedData>>;

export type InferenceEvent = InferenceCompleted | InferenceFailed | InferenceRejected;
