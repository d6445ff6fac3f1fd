import { inspect } from 'node:util';
import { expect } from 'chai';
import { afterEach, describe, it } from 'mocha';
import type { SecretSource } from '../../engines/secrets/port.js';

/**
 * The specification of the SecretSource port. Every adapter (environment and file, a vault
 * later) runs this suite; it uses nothing but the port. The fixture seeds the source with
 * the given name → value pairs, each name a valid credentialRef.
 */
export interface SecretSourceFixture {
  readonly source: SecretSource;
  cleanup(): void;
}

export type SecretSourceFactory = (secrets: Readonly<Record<string, string>>) => SecretSourceFixture;

const SEEDED = { 'openai-prod': 'sk-contract-0123456789abcdef', anthropic_eu: 'sk-ant-contract-fedcba9876543210', 'v2': 'short-but-secret' };

export function secretSourceContract(name: string, create: SecretSourceFactory): void {
  describe(`SecretSource contract: ${name}`, () => {
    let fixture: SecretSourceFixture | null = null;
    const seeded = (): SecretSource => {
      fixture = create(SEEDED);
      return fixture.source;
    };
    afterEach(() => {
      fixture?.cleanup();
      fixture = null;
    });

    it('resolves every secret it holds by name, synchronously', () => {
      const source = seeded();
      for (const [ref, value] of Object.entries(SEEDED)) expect(source.resolve(ref), ref).to.equal(value);
    });

    it('answers null for a name it does not hold', () => {
      const source = seeded();
      expect(source.resolve('openai-staging')).to.equal(null);
      expect(source.resolve('openai')).to.equal(null);
    });

    it('answers null for anything that is not a credentialRef, whatever it could map to', () => {
      const source = seeded();
      for (const ref of ['', 'OPENAI-PROD', '../openai-prod', 'openai-prod ', ' openai-prod', 'a b', '-openai-prod', 'x'.repeat(64)]) {
        expect(source.resolve(ref), JSON.stringify(ref)).to.equal(null);
      }
    });

    it('shows no value when logged, inspected or serialised by mistake', () => {
      const source = seeded();
      const shown = [JSON.stringify(source), inspect(source, { depth: 10, showHidden: true }), String(source), JSON.stringify(Object.entries(source))].join('\n');
      for (const value of Object.values(SEEDED)) expect(shown).not.to.include(value);
    });

    it('keeps answering after close, and closes idempotently', () => {
      const source = seeded();
      source.close();
      source.close();
      expect(source.resolve('openai-prod')).to.equal(SEEDED['openai-prod']);
    });
  });
}
