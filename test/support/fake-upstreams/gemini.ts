/**
 * A fake Gemini API: POST /v1beta/models/{model}:generateContent, :streamGenerateContent
 * ?alt=sse (each event a whole GenerateContentResponse, no [DONE]) and :batchEmbedContents.
 * It calls a function when tools are offered and the last user text names one, otherwise
 * answers "Hello from fake Gemini".
 */
import type { ServerResponse } from 'node:http';
import { handleScenario, type ErrorBody } from './scenarios.js';
import { json, sendJson, sendSse, startFakeServer, type FakeServer, type RecordedRequest } from './server.js';

export const FAKE_GEMINI_TEXT = 'Hello from fake Gemini';
export const FAKE_GEMINI_USAGE = { promptTokenCount: 12, candidatesTokenCount: 5, thoughtsTokenCount: 3, totalTokenCount: 20, cachedContentTokenCount: 4 };

const geminiErrorBody: ErrorBody = (message, status) => ({ error: { code: 400, message, status } });

interface GenerateBody {
  contents: Array<{ role: string; parts: Array<{ text?: string }> }>;
  tools?: Array<{ functionDeclarations: Array<{ name: string }> }>;
}

function functionToCall(body: GenerateBody): string | undefined {
  const lastUser = [...body.contents].reverse().find((content) => content.role === 'user');
  const text = (lastUser?.parts ?? []).map((part) => part.text ?? '').join('');
  return body.tools?.[0]?.functionDeclarations.find((fn) => text.includes(fn.name))?.name;
}

function response(parts: unknown[], finishReason: string | undefined, usage: unknown): unknown {
  return {
    candidates: [{ index: 0, content: { role: 'model', parts }, ...(finishReason ? { finishReason } : {}) }],
    usageMetadata: usage,
    modelVersion: 'gemini-fake-001',
    responseId: 'resp_fake_1',
  };
}

function streamResponses(body: GenerateBody): unknown[] {
  const fn = functionToCall(body);
  const partial = { promptTokenCount: 12, totalTokenCount: 12 };
  if (fn) return [response([{ text: 'Checking.' }], undefined, partial), response([{ functionCall: { name: fn, args: { city: 'Paris' } } }], 'STOP', FAKE_GEMINI_USAGE)];
  const words = FAKE_GEMINI_TEXT.split(' ');
  return words.map((word, i) => {
    const last = i === words.length - 1;
    return response([{ text: i === 0 ? word : ` ${word}` }], last ? 'STOP' : undefined, last ? FAKE_GEMINI_USAGE : partial);
  });
}

async function handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
  const match = /^\/v1beta\/models\/([^:]+):(\w+)(\?alt=sse)?$/.exec(req.url);
  if (!match) return sendJson(res, 404, geminiErrorBody(`no route ${req.url}`, 'NOT_FOUND'));
  const [, model, method] = match;
  if (handleScenario(model, req, res, geminiErrorBody)) return;
  const body = req.body as GenerateBody;
  if (method === 'batchEmbedContents') {
    const requests = (req.body as { requests: unknown[] }).requests;
    return sendJson(res, 200, { embeddings: requests.map((_, i) => ({ values: [i, 0.25, -0.25] })) });
  }
  if (method === 'generateContent') {
    const fn = functionToCall(body);
    const parts = fn ? [{ functionCall: { name: fn, args: { city: 'Paris' } } }] : [{ text: FAKE_GEMINI_TEXT }];
    return sendJson(res, 200, response(parts, 'STOP', FAKE_GEMINI_USAGE));
  }
  if (method !== 'streamGenerateContent' || !match[3]) return sendJson(res, 404, geminiErrorBody(`no route ${req.url}`, 'NOT_FOUND'));
  const events = streamResponses(body).map((data) => ({ data: json(data) }));
  await sendSse(res, events, model === 'drop-mid-stream' ? { dropAfter: 2 } : {});
}

export const startFakeGemini = (): Promise<FakeServer> => startFakeServer(handle);
