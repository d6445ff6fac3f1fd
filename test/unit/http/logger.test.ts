import { expect } from 'chai';
import { describe, it } from 'mocha';
import { createLogger } from '../../../api/http/logger.js';
import type { ProviderTarget } from '../../../engines/providers/port.js';
import { LogSink } from '../../support/log-sink.js';

/** What a log line printed, after `write` logged through a fresh logger. */
function logged(write: (logger: ReturnType<typeof createLogger>) => void): string {
  const sink = new LogSink();
  const logger = createLogger('info', sink);
  write(logger);
  logger.flush();
  return sink.lines.join('\n');
}

describe('log redaction of provider credentials', () => {
  const apiKey = 'sk-provider-secret-00112233445566';
  const target: ProviderTarget = { deploymentId: 'd1', provider: 'openai', upstreamModel: 'gpt-4o', baseUrl: null, apiKey, timeouts: { connectMs: 1000, readMs: 2000 } };

  it('never prints the apiKey of a ProviderTarget, however it is nested', () => {
    const line = logged((logger) => {
      logger.info({ target }, 'calling');
      logger.info({ attempt: { target } }, 'attempt');
      logger.info(target, 'target itself');
    });
    expect(line).not.to.include(apiKey);
    expect(line.match(/\[redacted\]/g)).to.have.length(3);
    expect(line, 'the rest of the target stays readable').to.include('"deploymentId":"d1"');
  });

  it("never prints a credential header, ours or an upstream's", () => {
    const headers = { authorization: `Bearer ${apiKey}1`, 'x-api-key': `${apiKey}2`, 'api-key': `${apiKey}3`, 'x-goog-api-key': `${apiKey}4`, accept: 'application/json' };
    const line = logged((logger) => {
      logger.info({ req: { headers } }, 'incoming');
      logger.info({ headers }, 'outgoing');
      logger.info({ upstream: { headers } }, 'upstream');
    });
    expect(line).not.to.include(apiKey);
    expect(line).to.include('"accept":"application/json"');
  });
});
