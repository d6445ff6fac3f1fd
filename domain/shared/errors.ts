/**
 * Typed errors shared by the domain, the command handlers and the engines.
 * Each carries a discriminating `kind`; the HTTP layer maps kinds to status codes in
 * exactly one place (api/http/errors.ts), so route handlers never catch.
 */
export type ErrorKind =
  | 'validation' // 400: input does not have the required shape
  | 'unauthorized' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409: the command conflicts with the entity's current state
  | 'revision_conflict' // 412: If-Match / expected revision did not hold
  | 'payload_too_large' // 413
  | 'unsupported_media_type' // 415
  | 'rule_violation'; // 422: well-formed input that breaks a business rule

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class NexusError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends NexusError {
  constructor(message: string, readonly issues: readonly FieldIssue[] = []) {
    super('validation', message, { issues });
  }
}

export class NotFoundError extends NexusError {
  constructor(readonly entity: string, readonly id: string) {
    super('not_found', `${entity} '${id}' was not found`, { entity, id });
  }
}

/** The command is valid but the entity's state does not allow it (already exists, closed …). */
export class ConflictError extends NexusError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('conflict', message, details);
  }
}

/** Well-formed input that breaks a business rule (limit ≤ 0, expiry in the past …). */
export class RuleViolationError extends NexusError {
  constructor(readonly rule: string, message: string, details: Record<string, unknown> = {}) {
    super('rule_violation', message, { rule, ...details });
  }
}

export class UnauthorizedError extends NexusError {
  constructor(message = 'missing or invalid credentials') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends NexusError {
  constructor(message = 'this credential may not perform this operation') {
    super('forbidden', message);
  }
}

export class UnsupportedMediaTypeError extends NexusError {
  constructor(readonly contentType: string) {
    super('unsupported_media_type', `expected an application/json body, got '${contentType}'`, { contentType });
  }
}

export class PayloadTooLargeError extends NexusError {
  constructor(readonly limitBytes: number) {
    super('payload_too_large', `request body exceeds ${limitBytes} bytes`, { limitBytes });
  }
}

/**
 * The stream's revision was not the one the writer expected. Raised by every event-store
 * adapter; command handlers retry the whole decision on it unless the client pinned a
 * revision with If-Match, in which case it becomes a 412.
 */
export class WrongExpectedRevisionError extends NexusError {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super('revision_conflict', `stream '${streamId}' is at revision ${actual}, expected ${expected}`, {
      streamId,
      expected,
      actual,
    });
  }
}

/** Exhaustiveness guard for switches over discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
