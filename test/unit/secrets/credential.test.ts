import { expect } from 'chai';
import { describe, it } from 'mocha';
import { classifyFailure } from '../../../api/v1/retry-policy.js';
import { EnvSecretSource } from '../../../engines/secrets/env.js';
import { missingCredentialError, providerTargetCredential } from '../../../engines/secrets/credential.js';

const KEY = 'sk-live-credential-0123456789';

describe('provider target credentials', () => {
  const secrets = new EnvSecretSource({ env: { NEXUS_SECRET_OPENAI_PROD: KEY }, file: null });

  it("resolves the named secret into the target's apiKey", () =>
    expect(providerTargetCredential({ credentialRef: 'openai-prod' }, secrets)).to.deep.equal({ status: 'resolved', apiKey: KEY }));

  it('calls a deployment that names no secret without a key (a local Ollama)', () =>
    expect(providerTargetCredential({ credentialRef: null }, secrets)).to.deep.equal({ status: 'resolved', apiKey: null }));

  it('reports a named secret the gateway lacks as missing, by name, instead of calling without a key', () =>
    expect(providerTargetCredential({ credentialRef: 'openai-staging' }, secrets)).to.deep.equal({ status: 'missing', credentialRef: 'openai-staging' }));

  it('turns a missing secret into a failure the dispatcher falls back from without retrying', () => {
    const error = missingCredentialError('d_openai', 'openai-staging');
    expect(error).to.include({ kind: 'auth', deploymentId: 'd_openai', status: null, retryable: false });
    expect(error.message).to.equal("upstream auth from deployment 'd_openai': not called: the secret 'openai-staging' it names is not configured on the gateway");
    expect(classifyFailure(error.kind)).to.include({ retrySame: false, fallBack: true });
  });
});
