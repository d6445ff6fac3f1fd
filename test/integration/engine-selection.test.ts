import { expect } from 'chai';
import { loadConfig } from '../../api/config.js';
import { startTestApp } from '../support/app.js';
import { freePort } from '../support/redis-server.js';

/**
 * Each engine is embedded unless its URL is set; a set URL that does not answer stops the
 * start with the variable named (and no password shown), instead of silently running embedded.
 */
describe('engine selection at start', () => {
  it('refuses malformed engine URLs, naming each variable', () => {
    const attempt = () =>
      loadConfig({ NEXUS_EVENTSTORE_URL: 'http://x', NEXUS_MONGO_URL: 'postgres://x', NEXUS_KAFKA_BROKERS: 'kafka', NEXUS_ELASTICSEARCH_URL: 'es:9200' });
    expect(attempt).to.throw(/NEXUS_EVENTSTORE_URL[\s\S]*NEXUS_MONGO_URL[\s\S]*NEXUS_KAFKA_BROKERS[\s\S]*NEXUS_ELASTICSEARCH_URL/);
  });

  for (const [variable, url] of [
    ['NEXUS_EVENTSTORE_URL', (port: number) => `esdb://admin:s3cret-pw@127.0.0.1:${port}?tls=false`],
    ['NEXUS_ELASTICSEARCH_URL', (port: number) => `http://elastic:s3cret-pw@127.0.0.1:${port}`],
  ] as const) {
    it(`stops quickly when ${variable} points at nothing, naming it and hiding the password`, async () => {
      const started = Date.now();
      const failure = await startTestApp({ [variable]: url(await freePort()) }).then(
        () => expect.fail('started without its engine'),
        (error: unknown) => error,
      );
      expect(String(failure)).to.include(variable).and.not.include('s3cret-pw');
      expect(Date.now() - started).to.be.below(10_000);
    });
  }
});
