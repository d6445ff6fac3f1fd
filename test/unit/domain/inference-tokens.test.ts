import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  IMAGE_TOKENS_HIGH_DETAIL,
  IMAGE_TOKENS_LOW_DETAIL,
  TextTokenMemo,
  countPromptTextTokens,
  countPromptTokens,
  countTextTokens,
  encodingFor,
} from '../../../domain/inference/tokens.js';
import type { PromptMessage } from '../../../domain/inference/index.js';

/** The chat of OpenAI's cookbook "How to count tokens with tiktoken", whose counts it checked against the API. */
const cookbookChat: PromptMessage[] = [
  { role: 'system', content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
  { role: 'system', name: 'example_user', content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: 'system', name: 'example_assistant', content: "Let's talk later when we're less busy about how to do better." },
  { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];

describe('token encodings by upstream model', () => {
  it('uses o200k_base for gpt-4o, gpt-4.1, gpt-4.5, o-series and unknown models', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini-2024-07-18', 'gpt-4.1', 'gpt-4.5-preview', 'o1', 'o3-mini', 'o4-mini', 'gpt-5', 'llama3:70b', 'claude-sonnet-4']) {
      expect(encodingFor(model), model).to.equal('o200k_base');
    }
  });
  it('uses cl100k_base for gpt-3.5 and gpt-4, whatever the spelling or prefix', () => {
    for (const model of ['gpt-3.5-turbo', 'gpt-35-turbo', 'gpt-4', 'gpt-4-0613', 'gpt-4-turbo', 'gpt-4-32k', 'GPT-4', 'openai/gpt-4', 'text-embedding-3-small']) {
      expect(encodingFor(model), model).to.equal('cl100k_base');
    }
  });
});

describe('counting tokens', () => {
  it('counts "hello world" as 2 tokens in both encodings', () => {
    expect(countTextTokens('hello world', 'gpt-4o')).to.equal(2);
    expect(countTextTokens('hello world', 'gpt-4')).to.equal(2);
  });

  it('adds 3 tokens per message and 3 for the reply priming to the role and content', () => {
    // 3 + "user" (1) + "hello world" (2) + 3
    expect(countPromptTokens([{ role: 'user', content: 'hello world' }], 'gpt-4o')).to.equal(9);
    expect(countPromptTokens([], 'gpt-4o')).to.equal(3);
  });

  it('matches the prompt_tokens OpenAI reports for single messages', () => {
    expect(countPromptTokens([{ role: 'user', content: 'Hello, how are you?' }], 'gpt-3.5-turbo')).to.equal(13);
    expect(countPromptTokens([{ role: 'system', content: 'You are a bot.' }], 'gpt-4')).to.equal(12);
    expect(countPromptTokens([{ role: 'user', content: 'á' }], 'gpt-4')).to.equal(8);
  });

  it('counts a name as its tokens plus one', () => expect(countPromptTokens([cookbookChat[1]], 'gpt-4')).to.equal(20));

  it("matches the OpenAI cookbook's API-checked counts for a whole chat", () => {
    expect(countPromptTokens(cookbookChat, 'gpt-3.5-turbo')).to.equal(129);
    expect(countPromptTokens(cookbookChat, 'gpt-4-0613')).to.equal(129);
    expect(countPromptTokens(cookbookChat, 'gpt-4o')).to.equal(124);
    expect(countPromptTokens(cookbookChat, 'gpt-4o-mini')).to.equal(124);
  });

  it('counts every text part of a content array', () => {
    const asParts: PromptMessage = { role: 'user', content: [{ type: 'text', text: 'Hello, ' }, { type: 'text', text: 'how are you?' }] };
    const parts = countPromptTokens([asParts], 'gpt-4o');
    expect(parts).to.equal(3 + 1 + countTextTokens('Hello, ', 'gpt-4o') + countTextTokens('how are you?', 'gpt-4o') + 3);
  });

  it('counts each image as a fixed estimate by detail', () => {
    const image = (detail?: 'low' | 'high' | 'auto'): PromptMessage => ({
      role: 'user',
      content: [{ type: 'text', text: 'hello world' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png', ...(detail ? { detail } : {}) } }],
    });
    expect(countPromptTokens([image('low')], 'gpt-4o')).to.equal(9 + IMAGE_TOKENS_LOW_DETAIL);
    expect(countPromptTokens([image('high')], 'gpt-4o')).to.equal(9 + IMAGE_TOKENS_HIGH_DETAIL);
    expect(countPromptTokens([image('auto')], 'gpt-4o')).to.equal(9 + IMAGE_TOKENS_HIGH_DETAIL);
    expect(countPromptTokens([image()], 'gpt-4o')).to.equal(9 + IMAGE_TOKENS_HIGH_DETAIL);
    expect([IMAGE_TOKENS_LOW_DETAIL, IMAGE_TOKENS_HIGH_DETAIL]).to.deep.equal([85, 765]);
  });

  it('counts a tool-call-only assistant message (null content) by its overhead and role', () =>
    expect(countPromptTokens([{ role: 'assistant', content: null }], 'gpt-4o')).to.equal(3 + 1 + 3));

  it('counts special-token markers in user text as plain text instead of failing', () => {
    const text = 'ignore this <|endoftext|> marker';
    expect(countTextTokens(text, 'gpt-4o')).to.be.greaterThan(4);
    expect(countTextTokens(text, 'gpt-4')).to.be.greaterThan(4);
  });
});

describe('remembered prompt token counts', () => {
  /** A memo over a counter that records what it was asked, one token per character. */
  const counted = (generationChars: number) => {
    const asked: string[] = [];
    const memo = new TextTokenMemo((text) => {
      asked.push(text);
      return text.length;
    }, generationChars);
    return { memo, asked };
  };

  it('gives the tokenizer\'s own count, for either encoding, the first time and every time after', () => {
    for (const model of ['gpt-4o', 'gpt-4']) {
      for (const message of cookbookChat) {
        const text = String(message.content);
        expect(countPromptTextTokens(text, model), `${model}: ${text}`).to.equal(countTextTokens(text, model));
        expect(countPromptTextTokens(text, model), `${model}, again: ${text}`).to.equal(countTextTokens(text, model));
      }
    }
    expect(countPromptTokens(cookbookChat, 'gpt-3.5-turbo')).to.equal(129);
    expect(countPromptTokens(cookbookChat, 'gpt-3.5-turbo'), 'the cookbook chat again').to.equal(129);
  });

  it('counts a text once while it is remembered', () => {
    const { memo, asked } = counted(100);
    expect([memo.tokens('system'), memo.tokens('hello'), memo.tokens('system'), memo.tokens('hello')]).to.deep.equal([6, 5, 6, 5]);
    expect(asked).to.deep.equal(['system', 'hello']);
  });

  it('holds at most two generations of characters, keeping what is still asked for', () => {
    const { memo, asked } = counted(10);
    memo.tokens('aaaa'); // young: aaaa (4)
    memo.tokens('bbbb'); // young: aaaa bbbb (8)
    memo.tokens('cccc'); // full: aaaa bbbb become old; young: cccc
    memo.tokens('aaaa'); // found in the old generation: not counted again, back in the young one
    expect(asked).to.deep.equal(['aaaa', 'bbbb', 'cccc']);
    memo.tokens('dddd'); // full: cccc aaaa become old, bbbb is dropped
    memo.tokens('aaaa');
    memo.tokens('bbbb');
    expect(asked).to.deep.equal(['aaaa', 'bbbb', 'cccc', 'dddd', 'bbbb']);
  });

  it('counts a text longer than a generation every time instead of evicting everything for it', () => {
    const { memo, asked } = counted(10);
    memo.tokens('short');
    expect(memo.tokens('x'.repeat(11))).to.equal(11);
    memo.tokens('x'.repeat(11));
    memo.tokens('short');
    expect(asked).to.deep.equal(['short', 'x'.repeat(11), 'x'.repeat(11)]);
  });
});
