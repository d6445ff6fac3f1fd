import { AccessDeniedError, DeadlineExceededError, UnavailableError, UnknownError } from '@eventstore/db-client';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  InvalidConnectionStringError,
  describeStartupFailure,
  parseConnectionString,
  scrubSecrets,
} from '../../../engines/eventstore/eventstoredb/connection.js';
import { EventStoreUnavailableError } from '../../../engines/eventstore/eventstoredb/errors.js';

function refusal(url: string): InvalidConnectionStringError {
  try {
    parseConnectionString(url);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidConnectionStringError);
    return error as InvalidConnectionStringError;
  }
  return expect.fail(`'${url}' was accepted`);
}

describe('EventStoreDB connection strings', () => {
  it('reads hosts, default port, credentials and TLS, and redacts the password', () => {
    const target = parseConnectionString('esdb://admin:changeit@node1:2113,node2,node3:2114?tls=false&nodePreference=leader');
    expect(target).to.deep.include({ scheme: 'esdb', username: 'admin', tls: false, tlsExplicit: true });
    expect(target.hosts).to.deep.equal([{ host: 'node1', port: 2113 }, { host: 'node2', port: 2113 }, { host: 'node3', port: 2114 }]);
    expect(target.redacted).to.equal('esdb://admin:***@node1:2113,node2,node3:2114?tls=false&nodePreference=leader');
    expect(target.redacted).to.not.contain('changeit');
  });

  it('accepts discovery, no credentials, a trailing slash, and leaves TLS on by default', () => {
    const target = parseConnectionString(' esdb+discover://cluster.example.com/ ');
    expect(target).to.deep.include({ scheme: 'esdb+discover', username: null, tls: true, tlsExplicit: false, redacted: 'esdb+discover://cluster.example.com' });
    expect(target.secrets).to.deep.equal([]);
  });

  it('keeps both the raw and the decoded password as secrets to scrub', () => {
    const target = parseConnectionString('esdb://ops:p%40ss%3Aw0rd@127.0.0.1:2113?tls=false');
    expect(target.secrets).to.have.members(['p%40ss%3Aw0rd', 'p@ss:w0rd']);
    expect(scrubSecrets('login p@ss:w0rd / p%40ss%3Aw0rd refused', target.secrets)).to.equal('login *** / *** refused');
  });

  it('refuses other schemes, naming the setting, and points KurrentDB users at esdb://', () => {
    expect(refusal('http://127.0.0.1:2113').message).to.match(/^NEXUS_EVENTSTORE_URL is not a valid EventStoreDB connection string: .*esdb:\/\//);
    expect(refusal('kurrentdb://127.0.0.1:2113').message).to.contain('write esdb://');
    expect(refusal('127.0.0.1:2113').message).to.contain('esdb://host:2113');
    expect(refusal('').message).to.contain('empty');
  });

  it("refuses an unencoded '@' or ':' in the password without echoing it (the client would read it as a host)", () => {
    for (const url of ['esdb://admin:sec@ret@127.0.0.1:2113', 'esdb://admin:sec:ret@127.0.0.1:2113']) {
      const message = refusal(url).message;
      expect(message, url).to.match(/percent-encode/);
      expect(message, url).to.not.contain('sec').and.not.contain('ret@');
    }
    expect(refusal('esdb://admin@127.0.0.1:2113').message).to.contain('username:password');
  });

  it('refuses bad hosts, ports and options, including typos that would silently leave TLS on', () => {
    expect(refusal('esdb://127.0.0.1:99999').message).to.contain('port');
    expect(refusal('esdb://127.0.0.1:21a3').message).to.contain('port');
    expect(refusal('esdb://,127.0.0.1').message).to.contain('host');
    expect(refusal('esdb://127.0.0.1:2113?tsl=false').message).to.contain("unknown option 'tsl'");
    expect(refusal('esdb://127.0.0.1:2113?tls=no').message).to.contain('true or false');
    expect(refusal('esdb://127.0.0.1:2113?throwOnAppendFailure=false').message).to.contain('failed appends to throw');
    expect(parseConnectionString('esdb://127.0.0.1:2113?TLS=false&keep_alive_interval=10000').tls, 'keys compare as the client compares them').to.equal(false);
  });
});

describe('EventStoreDB start-up failures', () => {
  const target = parseConnectionString('esdb://admin:hunter22@10.0.0.5:2113');

  it('says which setting points where, without the password, and hints at ?tls=false for an unreachable server', () => {
    const error = describeStartupFailure('NEXUS_EVENTSTORE_URL', target, new UnavailableError(undefined, '14 UNAVAILABLE: No connection established (hunter22)'), 2000);
    expect(error).to.be.instanceOf(EventStoreUnavailableError).and.include({ operation: 'connect', failure: 'connection' });
    expect(error.message).to.contain('NEXUS_EVENTSTORE_URL (esdb://admin:***@10.0.0.5:2113) could not be reached').and.contain('?tls=false');
    expect(error.message).to.not.contain('hunter22');
    expect(error.cause, 'the raw client error is not carried along').to.equal(undefined);
  });

  it('reports a timeout with the time waited, refused credentials, and a non-EventStoreDB endpoint', () => {
    expect(describeStartupFailure('ES', target, new DeadlineExceededError(undefined, '4 DEADLINE_EXCEEDED'), 1500).message).to.contain('did not answer within 1500 ms');
    expect(describeStartupFailure('ES', target, new AccessDeniedError(undefined, 'denied'), 1500)).to.include({ failure: 'access_denied' });
    expect(describeStartupFailure('ES', target, new UnknownError(undefined, '12 UNIMPLEMENTED: Received HTTP status code 404'), 1500).message).to.contain('gRPC port');
  });

  it('drops the TLS hint when the string chose TLS explicitly', () => {
    const explicit = parseConnectionString('esdb://10.0.0.5:2113?tls=true');
    expect(describeStartupFailure('ES', explicit, new UnavailableError(undefined, 'refused'), 2000).message).to.not.contain('tls=false');
  });
});
