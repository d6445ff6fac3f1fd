import { expect } from 'chai';
import { describe, it } from 'mocha';
import { MessagesBody } from '../../../api/v1/anthropic/schema.js';
import { toCanonicalRequest } from '../../../api/v1/anthropic/to-canonical.js';
import { ValidationError } from '../../../domain/shared/errors.js';

/** Anthropic Messages requests as clients send them, parsed at the edge, then read in the canonical (OpenAI) form. */
const canonical = (body: Record<string, unknown>) => toCanonicalRequest(MessagesBody.parse({ model: 'claude', max_tokens: 100, ...body }));
const user = (content: unknown) => ({ role: 'user', content });

/** The field paths a malformed body is refused on, as the route reports them. */
function refusedOn(body: Record<string, unknown>): string[] {
  const parsed = MessagesBody.safeParse(body);
  expect(parsed.success, 'expected the body to be refused').to.equal(false);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
}

describe('Anthropic Messages request → canonical request', () => {
  it('maps system, sampling, stop sequences, max_tokens, stream and metadata.user_id', () => {
    const request = canonical({ system: 'Be brief.', temperature: 0.2, top_p: 0.9, stop_sequences: ['END'], stream: true, metadata: { user_id: 'u-42' }, messages: [user('hi')] });
    expect(request).to.deep.equal({
      model: 'claude',
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      stream: true,
      user: 'u-42',
    });
  });

  it('joins system text blocks into one system message', () => {
    const request = canonical({ system: [{ type: 'text', text: 'One.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Two.' }], messages: [user('hi')] });
    expect(request.messages[0]).to.deep.equal({ role: 'system', content: 'One.\n\nTwo.' });
  });

  it('leaves out what has no canonical equivalent (top_k, thinking, unknown fields), so no upstream refuses it', () => {
    const request = canonical({ top_k: 5, thinking: { type: 'enabled', budget_tokens: 1024 }, service_tier: 'auto', messages: [user('hi')] });
    expect(request).to.have.all.keys('model', 'max_tokens', 'messages');
  });

  it('turns images into image_url parts: base64 as a data URL, url as is', () => {
    const request = canonical({
      messages: [
        user([
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ]),
      ],
    });
    expect(request.messages).to.deep.equal([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('turns tool_use blocks into tool_calls and tool_result blocks into tool messages ahead of the user text', () => {
    const request = canonical({
      tools: [{ name: 'get_weather', description: 'Weather now', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      messages: [
        user('weather in Paris and Rome?'),
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } }, { type: 'tool_use', id: 't2', name: 'get_weather', input: { city: 'Rome' } }] },
        user([{ type: 'tool_result', tool_use_id: 't1', content: '18C' }, { type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: '25C' }, { type: 'text', text: 'sunny' }] }, { type: 'text', text: 'Compare them.' }]),
      ],
    });
    expect(request.tools).to.deep.equal([{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]);
    expect(request.messages.slice(1)).to.deep.equal([
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 't2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 't1', content: '18C' },
      { role: 'tool', tool_call_id: 't2', content: '25C\nsunny' },
      { role: 'user', content: [{ type: 'text', text: 'Compare them.' }] },
    ]);
  });

  it('gives an assistant turn of only tool calls null content, and a user turn of only tool results no user message', () => {
    const request = canonical({
      messages: [user('go'), { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] }, user([{ type: 'tool_result', tool_use_id: 't1' }])],
    });
    expect(request.messages.slice(1)).to.deep.equal([
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: '' },
    ]);
  });

  it('moves images of a tool result into the user turn, as OpenAI tool messages hold only text', () => {
    const screenshot = { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } };
    const request = canonical({ messages: [user([{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'done' }, screenshot] }])] });
    expect(request.messages).to.deep.equal([
      { role: 'tool', tool_call_id: 't1', content: 'done' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } }] },
    ]);
  });

  it('drops thinking blocks echoed back from an earlier turn', () => {
    const request = canonical({ messages: [user('hi'), { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'xyz' }, { type: 'text', text: 'Hello' }] }] });
    expect(request.messages[1]).to.deep.equal({ role: 'assistant', content: 'Hello' });
  });

  const TOOL_CHOICES: ReadonlyArray<[Record<string, unknown>, Record<string, unknown>]> = [
    [{ type: 'auto' }, { tool_choice: 'auto' }],
    [{ type: 'any' }, { tool_choice: 'required' }],
    [{ type: 'tool', name: 'f' }, { tool_choice: { type: 'function', function: { name: 'f' } } }],
    [{ type: 'none' }, { tool_choice: 'none' }],
    [{ type: 'any', disable_parallel_tool_use: true }, { tool_choice: 'required', parallel_tool_calls: false }],
  ];
  for (const [anthropic, openai] of TOOL_CHOICES) {
    it(`maps tool_choice ${JSON.stringify(anthropic)}`, () => {
      const request = canonical({ tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: anthropic, messages: [user('hi')] });
      expect({ tool_choice: request.tool_choice, ...(request.parallel_tool_calls === undefined ? {} : { parallel_tool_calls: request.parallel_tool_calls }) }).to.deep.equal(openai);
    });
  }

  it('refuses blocks in the wrong turn, naming the block', () => {
    expect(() => canonical({ messages: [user([{ type: 'tool_use', id: 't', name: 'f', input: {} }])] }))
      .to.throw(ValidationError, 'body.messages.0.content.0: tool_use blocks belong in assistant messages');
    expect(() => canonical({ messages: [user('hi'), { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 't' }] }] }))
      .to.throw(ValidationError, 'body.messages.1.content.0: tool_result blocks belong in user messages');
  });

  describe('the edge schema', () => {
    const valid = { model: 'claude', max_tokens: 10, messages: [user('hi')] };

    it('requires max_tokens, as Anthropic does', () => {
      expect(refusedOn({ model: 'claude', messages: [user('hi')] })).to.deep.equal(['max_tokens']);
    });

    it('refuses roles other than user and assistant (system goes in `system`)', () => {
      expect(refusedOn({ ...valid, messages: [{ role: 'system', content: 'x' }] })).to.deep.equal(['messages.0.role']);
    });

    it('refuses block types it cannot translate, and server tools', () => {
      const parsed = MessagesBody.safeParse({ ...valid, messages: [user([{ type: 'text', text: 'see' }, { type: 'document', source: {} }])] });
      expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).to.deep.equal([
        ['messages.0.content', "item 1.type: Invalid discriminator value. Expected 'text' | 'image' | 'tool_use' | 'tool_result' | 'thinking' | 'redacted_thinking'"],
      ]);
      expect(refusedOn({ ...valid, tools: [{ type: 'web_search_20250305', name: 'web_search' }] })).to.deep.equal(['tools.0.type', 'tools.0.input_schema']);
    });

    it('refuses a temperature outside Anthropic’s 0–1 range', () => {
      expect(refusedOn({ ...valid, temperature: 1.5 })).to.deep.equal(['temperature']);
    });

    it('lets unknown fields and block extras through, as Anthropic does', () => {
      expect(MessagesBody.safeParse({ ...valid, container: 'c1', messages: [user([{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' }, citations: [] }])] }).success).to.equal(true);
    });
  });
});
