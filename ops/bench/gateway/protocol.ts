import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the gateway benchmark's processes say to each other (over the fork IPC channel), and
 * the fixed request and completion every target serves, so the three targets differ only in
 * what sits between the load generator and the upstream.
 */

/** A child that serves HTTP reports where, once it listens. */
export interface ListeningMessage {
  readonly type: 'listening';
  readonly port: number;
}

/** Open loop: requests leave on a fixed schedule whatever the answers do. */
export interface RatePhase {
  readonly kind: 'rate';
  readonly name: string;
  readonly rate: number;
  readonly seconds: number;
}

/** Closed loop: `connections` callers, each sending its next request when the last one answered. */
export interface MaxPhase {
  readonly kind: 'max';
  readonly name: string;
  readonly connections: number;
  readonly seconds: number;
}

export type Phase = RatePhase | MaxPhase;

export interface LoadTarget {
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RunMessage {
  readonly type: 'run';
  readonly target: LoadTarget;
  readonly phases: readonly Phase[];
}

/** Parent → load generator: `run` starts the first phase; each later one waits for `next` (the target has settled). */
export type ParentMessage = RunMessage | { readonly type: 'next' };

/** Milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly count: number;
}

export interface PhaseResult {
  readonly phase: Phase;
  readonly elapsedSeconds: number;
  readonly sent: number;
  readonly ok: number;
  /** Answers that were not 2xx, by status. */
  readonly non2xx: Readonly<Record<string, number>>;
  /** Transport failures and timeouts (no answer at all). */
  readonly errors: number;
  readonly firstFailure: string | null;
  /** 2xx answers per second of the phase. */
  readonly throughput: number;
  /** Open loop: from the scheduled send time (no coordinated omission); closed loop: from the send. */
  readonly latency: Percentiles;
  /** From the actual send: what the target took, without the generator's own lateness. */
  readonly service: Percentiles;
  /** Open loop only: how late the generator sent (actual − scheduled); its health, not the target's. */
  readonly sendLag: Percentiles | null;
}

export type LoadMessage =
  | { readonly type: 'started'; readonly phase: string }
  | { readonly type: 'phase'; readonly result: PhaseResult }
  | { readonly type: 'done' }
  | { readonly type: 'failed'; readonly message: string };

export const CHAT_PATH = '/v1/chat/completions';

/** The model alias NexusAI routes to the fast upstream. */
export const BENCH_MODEL = 'bench';

export const CHAT_REQUEST = JSON.stringify({
  model: BENCH_MODEL,
  messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  max_tokens: 16,
});

/** What the fast upstream answers to every chat completion: small, fixed, with usage (NexusAI bills from it). */
export const CHAT_COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_767_225_600,
  model: 'bench-upstream',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 },
});

export function isListening(message: unknown): message is ListeningMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'listening';
}

/**
 * Serves a child process's server on loopback with keep-alive that outlives the pauses between
 * phases, reports its port to the parent over IPC, and exits with the parent.
 */
export function serveChild(server: Server): void {
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  server.listen(0, '127.0.0.1', () => {
    const message: ListeningMessage = { type: 'listening', port: (server.address() as AddressInfo).port };
    process.send?.(message);
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
