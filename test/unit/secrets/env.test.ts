import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { EnvSecretSource, secretEnvName } from '../../../engines/secrets/env.js';
import { waitFor } from '../../support/wait.js';

const KEY = 'sk-live-7c1d9e0f4b2a83651234';
const ROTATED = 'sk-live-rotated-55aa66bb77cc88dd';

describe('EnvSecretSource', () => {
  let dir: string;
  let file: string;
  const sources: EnvSecretSource[] = [];
  const open = (options: ConstructorParameters<typeof EnvSecretSource>[0]): EnvSecretSource => {
    const source = new EnvSecretSource(options);
    sources.push(source);
    return source;
  };
  const write = (content: unknown): void => writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  const thrown = (run: () => unknown): Error => {
    try {
      run();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected it to throw');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nexus-secrets-'));
    file = join(dir, 'secrets.json');
  });
  afterEach(() => {
    for (const source of sources.splice(0)) source.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('environment variables', () => {
    it('reads credentialRef openai-prod from NEXUS_SECRET_OPENAI_PROD', () => {
      expect(secretEnvName('openai-prod')).to.equal('NEXUS_SECRET_OPENAI_PROD');
      expect(secretEnvName('azure_eu-2')).to.equal('NEXUS_SECRET_AZURE_EU_2');
      expect(open({ env: { NEXUS_SECRET_OPENAI_PROD: KEY }, file: null }).resolve('openai-prod')).to.equal(KEY);
    });

    it('reads nothing but NEXUS_SECRET_* variables', () => {
      const source = open({ env: { PATH: '/usr/bin', HOME: '/root', NEXUS_ADMIN_TOKEN: 'admin-token-value' }, file: null });
      for (const ref of ['path', 'home', 'nexus_admin_token', 'admin_token']) expect(source.resolve(ref), ref).to.equal(null);
    });

    it('trims the value (a trailing newline would break the header) and treats an empty one as missing', () => {
      const source = open({ env: { NEXUS_SECRET_A: `${KEY}\n`, NEXUS_SECRET_B: '  ' }, file: null });
      expect(source.resolve('a')).to.equal(KEY);
      expect(source.resolve('b')).to.equal(null);
    });
  });

  describe('NEXUS_SECRETS_FILE', () => {
    it('reads the file named by the environment, the environment winning where both name a secret', () => {
      write({ 'openai-prod': 'from-the-file', 'anthropic-prod': KEY });
      const source = open({ env: { NEXUS_SECRETS_FILE: file, NEXUS_SECRET_OPENAI_PROD: 'from-the-env' } });
      expect(source.file).to.equal(file);
      expect(source.resolve('openai-prod')).to.equal('from-the-env');
      expect(source.resolve('anthropic-prod')).to.equal(KEY);
    });

    it('picks up a rotated secret, and a removed one, on refresh', () => {
      write({ 'openai-prod': KEY, 'old-key': KEY });
      const source = open({ file, pollMs: 0 });
      write({ 'openai-prod': ROTATED });
      expect(source.refresh()).to.equal(true);
      expect(source.resolve('openai-prod')).to.equal(ROTATED);
      expect(source.resolve('old-key')).to.equal(null);
    });

    it('notices a change to the file by itself', async () => {
      write({ 'openai-prod': KEY });
      const source = open({ file, pollMs: 10 });
      write({ 'openai-prod': ROTATED });
      await waitFor(() => source.resolve('openai-prod') === ROTATED, { description: 'the rotated secret' });
    });

    it('keeps the last good secrets when the file turns bad, and says so without the content', () => {
      write({ 'openai-prod': KEY });
      const errors: Error[] = [];
      const source = open({ file, pollMs: 0, onRefreshError: (error) => errors.push(error) });
      write(`{"openai-prod": "${ROTATED}"`); // half-written
      expect(source.refresh()).to.equal(false);
      expect(source.resolve('openai-prod')).to.equal(KEY);
      expect(errors.map((error) => error.message)).to.deep.equal([`NEXUS_SECRETS_FILE '${file}' is not valid JSON`]);
      rmSync(file);
      expect(source.refresh()).to.equal(false);
      expect(source.resolve('openai-prod')).to.equal(KEY);
      expect(errors[1].message).to.equal(`NEXUS_SECRETS_FILE '${file}' cannot be read (ENOENT)`);
    });

    it('refuses a bad file at start, naming the file and the entry but never a value', () => {
      expect(thrown(() => open({ file })).message).to.equal(`NEXUS_SECRETS_FILE '${file}' cannot be read (ENOENT)`);
      const cases: [unknown, string][] = [
        [`{"openai-prod": ${KEY}}`, 'is not valid JSON'],
        [[KEY], 'must be a JSON object of secret names to values'],
        [{ 'openai-prod': 42 }, "entry 'openai-prod' must be a non-empty string"],
        [{ 'openai-prod': ' ' }, "entry 'openai-prod' must be a non-empty string"],
        [{ [KEY.toUpperCase()]: 'x' }, 'has an entry whose name is not a credentialRef'],
      ];
      for (const [content, why] of cases) {
        write(content);
        const { message } = thrown(() => open({ file }));
        expect(message, why).to.include(`NEXUS_SECRETS_FILE '${file}' ${why}`);
        expect(message.toLowerCase(), why).not.to.include(KEY.toLowerCase().slice(3, 12));
      }
    });

    it('treats an empty NEXUS_SECRETS_FILE as none', () => {
      expect(open({ env: { NEXUS_SECRETS_FILE: '' } }).file).to.equal(null);
    });
  });
});
