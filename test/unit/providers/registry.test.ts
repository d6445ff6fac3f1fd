import { expect } from 'chai';
import { describe, it } from 'mocha';
import { PROVIDERS, PROVIDERS_WITHOUT_DEFAULT_ENDPOINT } from '../../../domain/deployment/commands.js';
import { isProviderName, providerFor, PROVIDER_NAMES } from '../../../engines/providers/registry.js';
import { target } from './helpers.js';

describe('provider registry', () => {
  it('has a chat and streaming adapter for every deployable provider and for mock', () => {
    for (const name of [...PROVIDERS]) {
      const provider = providerFor(name);
      expect(provider.chat, name).to.be.a('function');
      expect(provider.chatStream, name).to.be.a('function');
    }
    expect(PROVIDER_NAMES).to.have.members([...PROVIDERS]);
  });

  it('offers embeddings wherever the upstream has them (all but Anthropic)', () => {
    const withEmbeddings = PROVIDER_NAMES.filter((name) => typeof providerFor(name).embeddings === 'function');
    expect(withEmbeddings).to.have.members(PROVIDER_NAMES.filter((name) => name !== 'anthropic'));
  });

  // The catalog refuses a deployment without baseUrl for exactly these (domain/deployment/commands.ts).
  it('needs a baseUrl for exactly the providers the catalog requires one of', async () => {
    const notSent = AbortSignal.abort(new Error('not sent')); // an aborted call never opens a connection
    for (const name of PROVIDERS) {
      const outcome = await providerFor(name)
        .chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, target({ provider: name, baseUrl: null }), notSent)
        .then(() => 'answered', (error: Error) => error.message);
      expect(/has no baseUrl/.test(outcome), `${name}: ${outcome}`).to.equal(PROVIDERS_WITHOUT_DEFAULT_ENDPOINT.includes(name));
    }
  });

  it('refuses unknown names', () => {
    expect(isProviderName('toString')).to.equal(false);
    expect(() => providerFor('cohere')).to.throw(/no provider adapter named 'cohere'/);
  });
});
