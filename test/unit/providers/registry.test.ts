import { expect } from 'chai';
import { describe, it } from 'mocha';
import { PROVIDERS } from '../../../domain/deployment/commands.js';
import { isProviderName, providerFor, PROVIDER_NAMES } from '../../../engines/providers/registry.js';

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

  it('refuses unknown names', () => {
    expect(isProviderName('toString')).to.equal(false);
    expect(() => providerFor('cohere')).to.throw(/no provider adapter named 'cohere'/);
  });
});
