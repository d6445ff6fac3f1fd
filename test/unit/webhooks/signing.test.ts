import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { resolveWebhookSigningKey, webhookSecretDeriver } from '../../../api/webhook/secrets.js';
import { isPrivateAddress } from '../../../api/workers/webhooks/egress.js';
import { judgeResponse } from '../../../api/workers/webhooks/delivery.js';
import { signatureHeader, verifySignature } from '../../../api/workers/webhooks/signature.js';
import { PermanentFailure, RetryLater } from '../../../engines/eventbus/subscriber.js';

const KEY = 'k'.repeat(40);

describe('webhook secrets', () => {
  const derive = webhookSecretDeriver(KEY);
  const ref = { tenantId: 'acme', webhookId: 'wh_1', secretVersion: 1 };

  it('are derived per tenant, webhook and version, so a rotation or another webhook gets another secret', () => {
    expect(derive(ref)).to.match(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(derive(ref)).to.equal(webhookSecretDeriver(KEY)(ref));
    const others = [{ ...ref, secretVersion: 2 }, { ...ref, webhookId: 'wh_2' }, { ...ref, tenantId: 'acme2' }].map(derive);
    expect(new Set([derive(ref), ...others]).size).to.equal(4);
    expect(webhookSecretDeriver('j'.repeat(40))(ref)).not.to.equal(derive(ref));
  });

  it('refuse a short signing key', () => expect(() => webhookSecretDeriver('short')).to.throw(/at least 32/));

  it('use the configured key, or generate one into the data dir (0600) and keep it across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nexus-whkey-'));
    try {
      expect(await resolveWebhookSigningKey(KEY, dir)).to.deep.equal({ key: KEY, source: 'environment', file: null });
      const generated = await resolveWebhookSigningKey(undefined, dir);
      expect(generated.source).to.equal('generated');
      expect((await stat(join(dir, 'webhook-signing-key'))).mode & 0o777).to.equal(0o600);
      expect(await resolveWebhookSigningKey(undefined, dir)).to.deep.equal({ ...generated, source: 'file' });
      await writeFile(join(dir, 'webhook-signing-key'), 'short\n');
      await resolveWebhookSigningKey(undefined, dir).then(
        () => expect.fail('a damaged key file must not be replaced'),
        (error: Error) => expect(error.message).to.match(/no usable webhook signing key/),
      );
      expect(await readFile(join(dir, 'webhook-signing-key'), 'utf8')).to.equal('short\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('agree when two callers generate the key at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nexus-whkey-'));
    try {
      const [a, b] = await Promise.all([resolveWebhookSigningKey(undefined, dir), resolveWebhookSigningKey(undefined, dir)]);
      expect(a.key).to.equal(b.key);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('webhook signatures', () => {
  const body = '{"id":"e1","type":"ApiKeyRevoked"}';
  const header = signatureHeader('whsec_abc', 1_800_000_000, body);

  it('verify with the right secret, body and a fresh timestamp only', () => {
    expect(header).to.match(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(header, 'whsec_abc', body, { nowSeconds: 1_800_000_100 })).to.equal(true);
    expect(verifySignature(header, 'whsec_abd', body, { nowSeconds: 1_800_000_100 })).to.equal(false);
    expect(verifySignature(header, 'whsec_abc', `${body} `, { nowSeconds: 1_800_000_100 })).to.equal(false);
    expect(verifySignature(header, 'whsec_abc', body, { nowSeconds: 1_800_000_301 })).to.equal(false);
    expect(verifySignature('t=1800000000', 'whsec_abc', body, { nowSeconds: 1_800_000_000 })).to.equal(false);
  });

  it('accept any of several v1 values (room for overlapping secrets)', () => {
    const other = signatureHeader('whsec_old', 1_800_000_000, body).split(',')[1];
    expect(verifySignature(`${header},${other}`, 'whsec_old', body, { nowSeconds: 1_800_000_000 })).to.equal(true);
  });
});

describe('webhook delivery rules', () => {
  it('retries 408, 429 and 5xx (with their Retry-After), gives up on redirects and other 4xx', () => {
    expect(judgeResponse(204, null)).to.equal(null);
    for (const status of [408, 429, 500, 503]) expect(judgeResponse(status, 1_000)).to.be.instanceOf(RetryLater).with.property('retryAfterMs', 1_000);
    for (const status of [301, 400, 401, 404, 410]) expect(judgeResponse(status, null)).to.be.instanceOf(PermanentFailure);
  });

  it('treats loopback, private, link-local and mapped addresses as private, public ones not', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', 'nonsense']) {
      expect(isPrivateAddress(address), address).to.equal(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) expect(isPrivateAddress(address), address).to.equal(false);
  });
});
