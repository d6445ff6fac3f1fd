/**
 * Canonical → Gemini generateContent request.
 *
 * - system/developer messages → systemInstruction; user → role 'user'; assistant → role
 *   'model' with functionCall parts; tool messages → functionResponse parts in a user turn,
 *   named after the call they answer (Gemini matches responses by function name);
 * - consecutive turns of one role merge, so parallel function responses share one turn;
 * - sampling, length and stop parameters → generationConfig (table below);
 * - tools → functionDeclarations with JSON Schema parameters (`parametersJsonSchema`);
 *   tool_choice → toolConfig.functionCallingConfig (AUTO / NONE / ANY + allowed names).
 */
import { assertNever } from '../../../domain/shared/errors.js';
import { adapterError, isRecord } from '../errors.js';
import type { ChatCompletionRequest, ChatMessage, ContentPart, ProviderTarget, ResponseFormat, ToolChoice } from '../port.js';
import { parseDataUrl, parseToolArguments, stopSequences, textOf, turnAppender } from '../shared.js';

type Part = Record<string, unknown>;
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

/** Canonical parameter → generationConfig field, where only the name differs. */
const GENERATION_PARAMS: ReadonlyArray<[keyof ChatCompletionRequest, string]> = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['n', 'candidateCount'],
  ['seed', 'seed'],
  ['presence_penalty', 'presencePenalty'],
  ['frequency_penalty', 'frequencyPenalty'],
];

const IMAGE_TYPES: Readonly<Record<string, string>> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

export function toGeminiRequest(req: ChatCompletionRequest, target: ProviderTarget): Record<string, unknown> {
  const { system, contents } = toContents(req.messages, target);
  const body: Record<string, unknown> = { contents };
  if (system) body.systemInstruction = { parts: [{ text: system }] };
  const generationConfig = toGenerationConfig(req);
  if (Object.keys(generationConfig).length) body.generationConfig = generationConfig;
  if (req.tools?.length) {
    const functionDeclarations = req.tools.map(({ function: fn }) => ({
      name: fn.name,
      ...(fn.description ? { description: fn.description } : {}),
      ...(fn.parameters ? { parametersJsonSchema: fn.parameters } : {}),
    }));
    body.tools = [{ functionDeclarations }];
  }
  if (req.tool_choice !== undefined) body.toolConfig = { functionCallingConfig: toCallingConfig(req.tool_choice) };
  return body;
}

function toGenerationConfig(req: ChatCompletionRequest): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [from, to] of GENERATION_PARAMS) if (typeof req[from] === 'number') config[to] = req[from];
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (typeof maxTokens === 'number') config.maxOutputTokens = maxTokens;
  const stop = stopSequences(req.stop);
  if (stop?.length) config.stopSequences = stop;
  Object.assign(config, responseFormatConfig(req.response_format));
  return config;
}

function responseFormatConfig(format: ResponseFormat | undefined): Record<string, unknown> {
  if (!format || format.type === 'text') return {};
  if (format.type === 'json_object') return { responseMimeType: 'application/json' };
  const schema = format.json_schema.schema;
  return { responseMimeType: 'application/json', ...(schema ? { responseJsonSchema: schema } : {}) };
}

function toCallingConfig(choice: ToolChoice): Record<string, unknown> {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
}

function toContents(messages: readonly ChatMessage[], target: ProviderTarget): { system: string; contents: Content[] } {
  const system: string[] = [];
  const turns: Array<{ role: Content['role']; items: Part[] }> = [];
  // Filled as assistant turns go by, so a reused call id resolves to its latest call.
  const functionNameByCallId = new Map<string, string>();
  const append = turnAppender(turns);
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        append('user', userParts(message.content));
        break;
      case 'assistant': {
        const text = textOf(message.content);
        const calls = (message.tool_calls ?? []).map((call) => {
          functionNameByCallId.set(call.id, call.function.name);
          return { functionCall: { name: call.function.name, args: parseToolArguments(target, call.function.arguments) } };
        });
        append('model', [...(text ? [{ text }] : []), ...calls]);
        break;
      }
      case 'tool': {
        const name = functionNameByCallId.get(message.tool_call_id);
        if (!name) throw adapterError(target, 'bad_request', `tool message answers unknown tool_call_id '${message.tool_call_id}'`);
        append('user', [{ functionResponse: { name, response: toFunctionResponse(textOf(message.content)) } }]);
        break;
      }
      default:
        assertNever(message, 'message role');
    }
  }
  return { system: system.filter(Boolean).join('\n\n'), contents: turns.map(({ role, items }) => ({ role, parts: items })) };
}

/** Gemini wants an object; a JSON object result is sent as is, anything else under `output`. */
function toFunctionResponse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // plain text result
  }
  return { output: text };
}

function userParts(content: string | readonly ContentPart[]): Part[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  return content.flatMap((part): Part[] => {
    if (part.type === 'text') return part.text ? [{ text: part.text }] : [];
    const data = parseDataUrl(part.image_url.url);
    if (data) return [{ inlineData: { mimeType: data.mediaType, data: data.data } }];
    const extension = /\.([a-z]+)(?:[?#]|$)/i.exec(part.image_url.url)?.[1]?.toLowerCase() ?? '';
    return [{ fileData: { fileUri: part.image_url.url, mimeType: IMAGE_TYPES[extension] ?? 'image/jpeg' } }];
  });
}
