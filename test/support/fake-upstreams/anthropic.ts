/**
 * A fake Anthropic Messages API (POST /v1/messages), JSON and SSE with named events
 * (message_start, content_block_start/delta/stop, message_delta, message_stop, ping).
 * It answers with a tool_use block when tools are offered and the last user text names
 * one, otherwise with "Hello from fake Claude". Usage reports cache reads.
 */
import type { ServerResponse } from 'node:http';
import { handleScenario, type ErrorBody } from './scenarios.js';
import { json, sendJson, sendSse, startFakeServer, type FakeServer, type RecordedRequest, type SseMessage } from './server.js';

export const FAKE_CLAUDE_TEXT = 'Hello from fake Claude';
/** input_tokens exclude cache reads and writes, as Anthropic reports them. */
export const FAKE_CLAUDE_USAGE = { input_tokens: 20, output_tokens: 7, cache_read_input_tokens: 5, cache_creation_input_tokens: 2 };

const anthropicErrorBody: ErrorBody = (message, type) => ({ type: 'error', error: { type, message } });

interface MessagesBody {
  model: string;
  stream?: boolean;
  tools?: Array<{ name: string }>;
  messages: Array<{ role: string; content: Array<{ type: string; text?: string }> }>;
}

function toolToCall(body: MessagesBody): string | undefined {
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user');
  const text = (lastUser?.content ?? []).map((block) => block.text ?? '').join('');
  return body.tools?.find((tool) => text.includes(tool.name))?.name;
}

function message(body: MessagesBody): unknown {
  const tool = toolToCall(body);
  const content = tool
    ? [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_fake_1', name: tool, input: { city: 'Paris' } }]
    : [{ type: 'text', text: FAKE_CLAUDE_TEXT }];
  return {
    id: 'msg_fake_1',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: tool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: FAKE_CLAUDE_USAGE,
  };
}

function streamEvents(body: MessagesBody): SseMessage[] {
  const event = (type: string, data: Record<string, unknown>): SseMessage => ({ event: type, data: json({ type, ...data }) });
  const tool = toolToCall(body);
  const { output_tokens: _output, ...inputUsage } = FAKE_CLAUDE_USAGE;
  const events = [
    event('message_start', { message: { id: 'msg_fake_1', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, usage: { ...inputUsage, output_tokens: 1 } } }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
  ];
  const words = (tool ? 'Let me check.' : FAKE_CLAUDE_TEXT).split(' ');
  words.forEach((word, i) => events.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: i === 0 ? word : ` ${word}` } })));
  events.push(event('content_block_stop', { index: 0 }));
  if (tool) {
    events.push(event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_fake_1', name: tool, input: {} } }));
    for (const partial_json of ['', '{"city":', ' "Paris"}']) events.push(event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json } }));
    events.push(event('content_block_stop', { index: 1 }));
  }
  events.push(event('message_delta', { delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: FAKE_CLAUDE_USAGE.output_tokens } }));
  events.push(event('message_stop', {}));
  return events;
}

async function handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
  const body = req.body as MessagesBody;
  if (handleScenario(body.model, req, res, anthropicErrorBody)) return;
  if (req.url !== '/v1/messages') return sendJson(res, 404, anthropicErrorBody(`no route ${req.url}`, 'not_found_error'));
  if (!body.stream) return sendJson(res, 200, message(body));
  if (body.model === 'overloaded-mid-stream') {
    const events = streamEvents(body).slice(0, 3);
    events.push({ event: 'error', data: json({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) });
    return sendSse(res, events);
  }
  await sendSse(res, streamEvents(body), body.model === 'drop-mid-stream' ? { dropAfter: 4 } : {});
}

export const startFakeAnthropic = (): Promise<FakeServer> => startFakeServer(handle);
