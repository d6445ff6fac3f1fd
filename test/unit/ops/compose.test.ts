import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ConfigSchema } from '../../../api/config.js';

/**
 * docker-compose.yml is the production-like stack: every NEXUS_* variable it sets must be
 * one the gateway reads (a misspelt name would silently run that engine embedded), and it
 * must select every production engine.
 */
describe('docker-compose.yml', () => {
  const compose = readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8');
  const variables = [...compose.matchAll(/^\s+(NEXUS_[A-Z0-9_]+):/gm)].map((match) => match[1]);

  it('sets only variables the configuration knows', () => {
    const known = Object.keys(ConfigSchema.shape);
    expect(variables.filter((name) => !known.includes(name))).to.deep.equal([]);
  });

  it('runs NexusAI on every production engine', () => {
    for (const engine of ['NEXUS_EVENTSTORE_URL', 'NEXUS_KAFKA_BROKERS', 'NEXUS_MONGO_URL', 'NEXUS_ELASTICSEARCH_URL', 'NEXUS_REDIS_URL']) {
      expect(variables, engine).to.include(engine);
    }
  });

  it('declares a service for each engine, reachable only from loopback on the host', () => {
    for (const service of ['eventstoredb', 'kafka', 'mongodb', 'elasticsearch', 'redis', 'nexus']) {
      expect(compose, service).to.match(new RegExp(`^  ${service}:$`, 'm'));
    }
    const published = [...compose.matchAll(/^\s+- "([^"]+:\d+:\d+)"$/gm)].map((match) => match[1]);
    expect(published).to.not.be.empty;
    for (const port of published) expect(port, port).to.match(/^127\.0\.0\.1:/);
  });
});
