/**
 * Data-plane refusals and failures with the HTTP status and the OpenAI error fields they
 * carry. Thrown by admission and dispatch; api/http/errors.ts writes them in the shape of
 * the surface that was called (OpenAI's on /v1/*, Anthropic's on /v1/messages), with
 * `Retry-After` when the caller may try again later.
 */
export type GatewayErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error' // the caller is over one of its limits: 429
  | 'insufficient_quota' // the tenant's budget cannot cover the request: 429, as OpenAI sends it
  | 'overloaded_error' // the gateway (or an engine it needs) cannot take the request now: 503
  | 'api_error'; // upstream failures after the fallback chain: 502

export interface GatewayErrorInit {
  readonly status: number;
  readonly type: GatewayErrorType;
  readonly code: string;
  readonly param?: string | null;
  /** Sent as Retry-After (whole seconds, rounded up); null when waiting will not help. */
  readonly retryAfterMs?: number | null;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: GatewayErrorType;
  readonly code: string;
  readonly param: string | null;
  readonly retryAfterMs: number | null;

  constructor(message: string, init: GatewayErrorInit) {
    super(message);
    this.name = 'GatewayError';
    this.status = init.status;
    this.type = init.type;
    this.code = init.code;
    this.param = init.param ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

/** Anthropic's error types for the same conditions, so its SDK raises the matching class. */
export const ANTHROPIC_ERROR_TYPE: Readonly<Record<GatewayErrorType, string>> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
  insufficient_quota: 'rate_limit_error',
  overloaded_error: 'overloaded_error',
  api_error: 'api_error',
};
