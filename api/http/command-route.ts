import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../../domain/shared/digest.js';
import { nameBasedUuid } from '../../domain/shared/name-based-uuid.js';
import { executeCommand } from '../../commands/handler.js';
import type { IdempotencyStore } from '../../commands/idempotency.js';
import type { Decider, DomainCommand, DomainEvent } from '../../domain/shared/decider.js';
import { RuleViolationError, ValidationError } from '../../domain/shared/errors.js';
import type { EventStore } from '../../engines/eventstore/port.js';
import { actorOf } from './principal.js';
import type { RouteInput, RouteResult } from './route.js';

/**
 * What every command endpoint does around the decider: derive the command id (from the
 * Idempotency-Key when given, so a retry cannot write twice), honour If-Match, replay the
 * first response for a repeated Idempotency-Key, and wait briefly until the read models
 * reflect the write, so a GET right after a POST sees it.
 */
export interface CommandDeps {
  readonly eventStore: EventStore;
  readonly idempotency: IdempotencyStore;
  readonly readYourWrites: (position: number) => Promise<void>;
  readonly now: () => Date;
}

export interface CommandSpec<C extends DomainCommand, E extends DomainEvent, S> {
  readonly streamId: string;
  readonly tenantId: string;
  readonly decider: Decider<C, E, S>;
  readonly command: Omit<C, 'meta'>;
  /** Builds the response body from the resulting state. */
  readonly present: (state: S) => unknown;
  readonly created?: boolean;
  /** Fields to blank in a replayed response (secrets shown only once). */
  readonly secretFields?: readonly string[];
}

const commandIdOf = nameBasedUuid('b3c1e0a2-5d4f-4e7a-8c9b-1f2e3d4c5b6a');
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

function parseIfMatch(header: string): number | undefined {
  if (!header) return undefined;
  const match = /^(?:W\/)?"?(-?\d+)"?$/.exec(header.trim());
  if (!match) throw new ValidationError('If-Match must be a revision ETag such as "3"', [{ path: 'header.if-match', message: 'not a revision' }]);
  return Number(match[1]);
}

function blank(body: unknown, fields: readonly string[]): unknown {
  if (typeof body !== 'object' || body === null || fields.length === 0) return body;
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const field of fields) if (field in copy) copy[field] = null;
  return { ...copy, replayedWithoutSecrets: fields };
}

export async function runCommand<C extends DomainCommand, E extends DomainEvent, S, P, Q, B>(
  deps: CommandDeps,
  input: RouteInput<P, Q, B>,
  spec: CommandSpec<C, E, S>,
): Promise<RouteResult> {
  const { ctx, principal } = input;
  const actor = actorOf(principal);
  const idempotencyKey = ctx.get('idempotency-key');
  if (idempotencyKey && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ValidationError('Idempotency-Key must be 1–200 URL-safe characters', [{ path: 'header.idempotency-key', message: 'invalid' }]);
  }
  const scopeKey = idempotencyKey ? `${actor}|${idempotencyKey}` : null;
  const fingerprint = sha256Hex(`${ctx.method} ${ctx.path} ${JSON.stringify(input.body)}`);
  if (scopeKey) {
    const stored = await deps.idempotency.get(scopeKey);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        throw new RuleViolationError('idempotency_key_reused', 'this Idempotency-Key was used for a different request');
      }
      return { status: stored.status, body: stored.body, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } };
    }
  }
  const now = deps.now().toISOString();
  const commandId = scopeKey ? commandIdOf(scopeKey) : randomUUID();
  const requestId = String(ctx.state.requestId);
  const command = { ...spec.command, meta: { now, actor } } as C;
  const outcome = await executeCommand(
    deps.eventStore,
    spec.streamId,
    spec.decider,
    command,
    { tenantId: spec.tenantId, commandId, correlationId: String(ctx.state.correlationId), causationId: requestId, actor, occurredAt: now },
    { expectedRevision: parseIfMatch(ctx.get('if-match')) },
  );
  if (outcome.position !== null) await deps.readYourWrites(outcome.position);
  const status = spec.created && outcome.position !== null ? 201 : 200;
  const headers = { ETag: `"${outcome.revision}"` };
  const body = {
    ...(spec.present(outcome.state) as Record<string, unknown>),
    revision: outcome.revision,
    position: outcome.position,
    events: outcome.eventTypes,
  };
  if (scopeKey) await deps.idempotency.put(scopeKey, { fingerprint, status, body: blank(body, spec.secretFields ?? []), headers });
  return { status, body, headers };
}
