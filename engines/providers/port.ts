/**
 * The provider port: how the gateway's data plane talks to model providers.
 *
 * The canonical internal format IS the OpenAI Chat Completions wire format (request,
 * response, stream chunk) and the OpenAI embeddings format. Every provider adapter maps
 * canonical → upstream request and upstream → canonical response / chunks, so the rest of
 * the gateway never sees a provider-specific shape.
 *
 * These types are zod-free on purpose: they describe what adapters produce and accept.
 * Validation of client input happens at the HTTP edge (api/), not here.
 */

// ── canonical request ────────────────────────────────────────────────────────

export interface TextContentPart {
  type: 'text';
  text: string;
}

export interface ImageContentPart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

/** Other part types (input_audio, file …) travel untouched to OpenAI-compatible upstreams. */
export type ContentPart = TextContentPart | ImageContentPart;

export interface ToolCall {
  id: string;
  type: 'function';
  /** `arguments` is a JSON-encoded object, exactly as OpenAI sends it. */
  function: { name: string; arguments: string };
}

export interface SystemMessage {
  role: 'system' | 'developer';
  content: string | TextContentPart[];
  name?: string;
}

export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content?: string | TextContentPart[] | null;
  tool_calls?: ToolCall[];
  refusal?: string | null;
  name?: string;
}

export interface ToolMessage {
  role: 'tool';
  content: string | TextContentPart[];
  tool_call_id: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments object. */
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean } };

export interface StreamOptions {
  include_usage?: boolean;
}

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  /** Legacy name; `max_completion_tokens` wins when both are present. */
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  n?: number | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  stream?: boolean | null;
  stream_options?: StreamOptions | null;
  user?: string;
  /**
   * Fields this gateway does not know yet (logit_bias, reasoning_effort, metadata …).
   * OpenAI-compatible adapters forward them unchanged; translating adapters ignore them.
   */
  [field: string]: unknown;
}

// ── canonical response ───────────────────────────────────────────────────────

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface Usage {
  /** Includes cached prompt tokens (as OpenAI counts them). */
  prompt_tokens: number;
  /** Includes reasoning tokens (as OpenAI counts them). */
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; [field: string]: unknown };
  completion_tokens_details?: { reasoning_tokens?: number; [field: string]: unknown };
}

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: ToolCall[];
  refusal?: string | null;
  [field: string]: unknown;
}

export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  /** Unix seconds. */
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: Usage;
  system_fingerprint?: string | null;
  [field: string]: unknown;
}

// ── canonical stream chunk ───────────────────────────────────────────────────

export interface ToolCallDelta {
  /** Position of the call within the message; the same index across chunks is one call. */
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: ToolCallDelta[];
  refusal?: string | null;
  [field: string]: unknown;
}

export interface ChunkChoice {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  logprobs?: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  /** Empty on the final usage chunk (stream_options.include_usage). */
  choices: ChunkChoice[];
  /** Null on every chunk but the last when include_usage is set; absent otherwise. */
  usage?: Usage | null;
  [field: string]: unknown;
}

// ── canonical embeddings ─────────────────────────────────────────────────────

export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [field: string]: unknown;
}

export interface Embedding {
  object: 'embedding';
  index: number;
  /** A base64 string of little-endian float32 values when encoding_format is 'base64'. */
  embedding: number[] | string;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

// ── the target and the provider ──────────────────────────────────────────────

/**
 * Where one call goes. Credentials arrive resolved; adapters put them in headers only
 * (never in URLs), and never in logs or error messages.
 */
export interface ProviderTarget {
  deploymentId: string;
  provider: string;
  upstreamModel: string;
  /** Null means the provider's public endpoint (where it has one). */
  baseUrl: string | null;
  apiKey: string | null;
  /** Azure `api-version`, Anthropic `anthropic-version`; each adapter has a default. */
  apiVersion?: string;
  timeouts: {
    /** TCP + TLS connect. */
    connectMs: number;
    /**
     * Time to the response headers, and the longest silence between body chunks. undici
     * enforces it with coarse timers: expect the timeout up to about a second late.
     */
    readMs: number;
  };
}

export interface ChatProvider {
  chat(req: ChatCompletionRequest, target: ProviderTarget, signal?: AbortSignal): Promise<ChatCompletion>;
  /**
   * Resolves once the upstream accepted the request (2xx), before the first chunk, so the
   * gateway can still fall back to another deployment when this rejects. Errors after
   * that surface from the iteration as UpstreamError (usually 'stream_interrupted').
   * Breaking out of the iteration releases the upstream connection; to drop a stream that
   * was never iterated, abort the signal (an unstarted generator cannot clean up).
   */
  chatStream(req: ChatCompletionRequest, target: ProviderTarget, signal?: AbortSignal): Promise<AsyncIterable<ChatCompletionChunk>>;
  embeddings?(req: EmbeddingsRequest, target: ProviderTarget, signal?: AbortSignal): Promise<EmbeddingsResponse>;
}

// ── errors ───────────────────────────────────────────────────────────────────

export type UpstreamErrorKind =
  | 'rate_limited' // 429
  | 'server_error' // 5xx, 529, unreadable response
  | 'timeout' // connect, headers or body timeout, 408
  | 'connection' // refused, reset or closed before the response completed
  | 'bad_request' // 400/409/413/422, or a request the adapter cannot express upstream
  | 'auth' // 401/403
  | 'not_found' // 404 (unknown model or deployment)
  | 'stream_interrupted'; // the stream broke after the upstream accepted it

const RETRYABLE_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['rate_limited', 'server_error', 'timeout', 'connection']);

export interface UpstreamErrorInit {
  kind: UpstreamErrorKind;
  deploymentId: string;
  status?: number | null;
  retryAfterMs?: number | null;
  /** Must already be sanitized (see sanitizeUpstreamMessage): it becomes part of `message`. */
  upstreamMessage?: string;
}

/**
 * A failed upstream call. `retryable` says whether another attempt (same or another
 * deployment) may succeed; the message carries the deployment, never credentials.
 */
export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  readonly retryable: boolean;
  readonly deploymentId: string;
  readonly upstreamMessage: string;

  constructor(init: UpstreamErrorInit) {
    const status = init.status ?? null;
    const upstreamMessage = init.upstreamMessage ?? '';
    const statusText = status === null ? '' : ` (HTTP ${status})`;
    super(`upstream ${init.kind} from deployment '${init.deploymentId}'${statusText}${upstreamMessage ? `: ${upstreamMessage}` : ''}`);
    this.name = 'UpstreamError';
    this.kind = init.kind;
    this.status = status;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.retryable = RETRYABLE_KINDS.has(init.kind);
    this.deploymentId = init.deploymentId;
    this.upstreamMessage = upstreamMessage;
  }
}
