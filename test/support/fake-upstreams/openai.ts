/**
 * A fake OpenAI-compatible server (also Azure-shaped paths): chat completions, JSON and
 * SSE (per-word content chunks, tool call argument deltas, include_usage chunk, [DONE]),
 * and embeddings. It calls a tool when tools are offered and the last user message names
 * one; otherwise it answers "Hello from fake OpenAI".
 */
import type { ServerResponse } from 'node:http';
import { handleScenario, openAiErrorBody } from './scenarios.js';
import { json, sendJson, sendSse, startFakeServer, type FakeServer, type RecordedRequest, type SseMessage } from './server.js';

export const FAKE_OPENAI_TEXT = 'Hello from fake OpenAI';
export const FAKE_OPENAI_USAGE = { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15, prompt_tokens_details: { cached_tokens: 3 } };

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content?: unknown }>;
  tools?: Array<{ function: { name: string } }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

function toolToCall(body: ChatBody): string | undefined {
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user');
  const text = typeof lastUser?.content === 'string' ? lastUser.content : '';
  return body.tools?.find((tool) => text.includes(tool.function.name))?.function.name;
}

function completion(body: ChatBody): unknown {
  const tool = toolToCall(body);
  const message = tool
    ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake_1', type: 'function', function: { name: tool, arguments: '{"city":"Paris"}' } }] }
    : { role: 'assistant', content: FAKE_OPENAI_TEXT };
  return {
    id: 'chatcmpl-fake-1',
    object: 'chat.completion',
    created: 1700000000,
    model: body.model,
    choices: [{ index: 0, message, finish_reason: tool ? 'tool_calls' : 'stop', logprobs: null }],
    usage: FAKE_OPENAI_USAGE,
    system_fingerprint: 'fp_fake',
  };
}

function chunkEvents(body: ChatBody): SseMessage[] {
  const includeUsage = body.stream_options?.include_usage === true;
  const base = { id: 'chatcmpl-fake-1', object: 'chat.completion.chunk', created: 1700000000, model: body.model, ...(includeUsage ? { usage: null } : {}) };
  const event = (delta: unknown, finish: string | null = null): SseMessage => ({ data: json({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] }) });
  const tool = toolToCall(body);
  const events: SseMessage[] = [
    // Azure opens with a prompt-filter chunk without choices; the adapter must skip it.
    { data: json({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [] }) },
    event({ role: 'assistant', content: '' }),
  ];
  if (tool) {
    events.push(event({ tool_calls: [{ index: 0, id: 'call_fake_1', type: 'function', function: { name: tool, arguments: '' } }] }));
    events.push(event({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }));
    events.push(event({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }));
  } else {
    FAKE_OPENAI_TEXT.split(' ').forEach((word, i) => events.push(event({ content: i === 0 ? word : ` ${word}` })));
  }
  events.push(event({}, tool ? 'tool_calls' : 'stop'));
  if (includeUsage) events.push({ data: json({ ...base, choices: [], usage: FAKE_OPENAI_USAGE }) });
  events.push({ data: '[DONE]' });
  return events;
}

/** Like OpenAI, honours encoding_format 'base64' (little-endian float32), which the official SDK asks for by default. */
function embeddings(body: { model: string; input: string | string[]; encoding_format?: string }): unknown {
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  const encode = (vector: number[]): number[] | string => (body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector);
  return {
    object: 'list',
    data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: encode([text.length, 0.5, -0.5]) })),
    model: body.model,
    usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 },
  };
}

async function handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
  const body = req.body as ChatBody;
  // Azure names the model in the path; the OpenAI shape names it in the body.
  const model = /\/deployments\/([^/]+)\//.exec(req.url)?.[1] ?? body.model;
  if (handleScenario(model, req, res, openAiErrorBody)) return;
  const path = req.url.split('?')[0];
  if (path.endsWith('/embeddings')) return sendJson(res, 200, embeddings(req.body as { model: string; input: string | string[] }));
  if (!path.endsWith('/chat/completions')) return sendJson(res, 404, openAiErrorBody(`no route ${path}`, 'invalid_request_error'));
  if (!body.stream) return sendJson(res, 200, completion(body));
  await sendSse(res, chunkEvents(body), model === 'drop-mid-stream' ? { dropAfter: 3 } : {});
}

export const startFakeOpenAi = (): Promise<FakeServer> => startFakeServer(handle);
