import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { ValidationError } from '../../../domain/shared/errors.js';
import { assertValidEventData, currentSchema, knownEventTypes, schemaVersions, upcast } from '../../../schemas/registry.js';
import { UPCASTERS } from '../../../schemas/upcasters.js';

/**
 * Every schema in the registry, whoever wrote it, must keep old events readable: by Kafka
 * consumers through Avro schema resolution, and by the store's readers through upcasters.
 * The suite iterates the registry, so a new context's schemas are covered without edits here.
 */
const EVENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../schemas/events');
/** Random values vary per run; a handful per version catches most unresolvable shapes. */
const SAMPLES = 20;

function samples(type: { random(): unknown }): unknown[] {
  return Array.from({ length: SAMPLES }, () => type.random());
}

function expectValidationIssue(run: () => void, path: string): void {
  expect(run).to.throw(ValidationError);
  try {
    run();
  } catch (error) {
    expect((error as ValidationError).issues.map((issue) => issue.path)).to.include(path);
  }
}

describe('event schema registry', () => {
  it('registers every .avsc file (a misnamed file would be skipped silently)', () => {
    const registered = new Set(knownEventTypes().flatMap((type) => schemaVersions(type).map((entry) => entry.file)));
    const onDisk = readdirSync(EVENTS_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((context) => readdirSync(join(EVENTS_DIR, context.name)).filter((file) => file.endsWith('.avsc')).map((file) => join(EVENTS_DIR, context.name, file)));
    expect(onDisk.filter((file) => !registered.has(file))).to.deep.equal([]);
  });

  for (const eventType of knownEventTypes()) {
    describe(eventType, () => {
      const versions = schemaVersions(eventType);
      const current = currentSchema(eventType);

      it('numbers its versions 1..N without gaps, so upcasters chain', () =>
        expect(versions.map((entry) => entry.version)).to.deep.equal(versions.map((_, index) => index + 1)));

      for (const entry of versions) {
        it(`v${entry.version}: file name matches the record name nexus.${entry.context}.${eventType}`, () => {
          expect(basename(entry.file)).to.equal(`${eventType}.v${entry.version}.avsc`);
          expect(entry.type.name).to.equal(`nexus.${entry.context}.${eventType}`);
        });
      }

      for (const old of versions.filter((entry) => entry.version < current.version)) {
        describe(`v${old.version} → v${current.version}`, () => {
          it('resolves with Avro, so Kafka consumers on the current schema decode old messages', () => {
            const resolver = current.type.createResolver(old.type);
            for (const value of samples(old.type)) {
              const decoded: unknown = current.type.fromBuffer(old.type.toBuffer(value), resolver);
              expect(current.type.isValid(decoded), JSON.stringify(decoded)).to.equal(true);
            }
          });

          it('has an upcaster from this version', () => expect(UPCASTERS[eventType]?.[old.version], `UPCASTERS.${eventType}[${old.version}]`).to.be.a('function'));

          it('upcasts old data into data valid for the current schema', () => {
            for (const value of samples(old.type)) assertValidEventData(eventType, upcast(eventType, old.version, value));
          });
        });
      }
    });
  }
});

describe('upcasters', () => {
  it('reads a v1 deployment (before provider credentials) as one without a credential', () => {
    const v1 = {
      deploymentId: 'd1', provider: 'openai', upstreamModel: 'gpt-4o', modelAlias: 'gpt-4o', region: 'eu', baseUrl: null, weight: 100,
      price: { priceVersion: 1, inputPricePerMTokMicros: 1, outputPricePerMTokMicros: 2, currency: 'USD', effectiveFrom: '2026-01-01T00:00:00Z' },
    };
    assertValidEventData('DeploymentRegistered', v1, 1);
    const current = upcast('DeploymentRegistered', 1, v1);
    expect(current).to.deep.equal({ ...v1, credentialRef: null });
    assertValidEventData('DeploymentRegistered', current);
  });
});

describe('assertValidEventData', () => {
  const published = {
    tenantId: 'acme',
    policyId: 'p_7',
    version: 1,
    rules: { allowedModels: ['gpt-4o'], maxTokens: null, piiAction: 'redact', injectionAction: 'block', dataRegions: null },
  };

  it('accepts data that matches the current schema', () => assertValidEventData('PolicyVersionPublished', published));

  it('rejects a field of the wrong type, naming its path', () => {
    expectValidationIssue(() => assertValidEventData('TenantRenamed', { tenantId: 'acme', name: 42 }), 'name');
    expectValidationIssue(() => assertValidEventData('PolicyVersionPublished', { ...published, rules: { ...published.rules, maxTokens: '4096' } }), 'rules.maxTokens');
    expectValidationIssue(() => assertValidEventData('PolicyVersionPublished', { ...published, rules: { ...published.rules, piiAction: 'mask' } }), 'rules.piiAction');
  });

  it('rejects a missing field that has no default', () =>
    expectValidationIssue(() => assertValidEventData('TenantRenamed', { tenantId: 'acme' }), 'name'));

  // avsc reports an undeclared field against the record that holds it, not the field itself.
  it('rejects unknown fields, naming the record that holds them', () => {
    expectValidationIssue(() => assertValidEventData('TenantRenamed', { tenantId: 'acme', name: 'Acme', plaintextKey: 'nx_secret' }), '(root)');
    expectValidationIssue(() => assertValidEventData('PolicyVersionPublished', { ...published, rules: { ...published.rules, temperature: 0 } }), 'rules');
  });
});
