import { expect } from 'chai';
import { describe, it } from 'mocha';
import { extractErrorMessage, kindForStatus, parseRetryAfterMs, sanitizeUpstreamMessage } from '../../../engines/providers/errors.js';
import { UpstreamError } from '../../../engines/providers/port.js';

describe('upstream error helpers', () => {
  it('classifies statuses, and only transient kinds are retryable', () => {
    const table = { 400: 'bad_request', 401: 'auth', 403: 'auth', 404: 'not_found', 408: 'timeout', 413: 'bad_request', 422: 'bad_request', 429: 'rate_limited', 500: 'server_error', 503: 'server_error', 529: 'server_error' };
    for (const [status, kind] of Object.entries(table)) expect(kindForStatus(Number(status)), status).to.equal(kind);
    const retryable = (kind: UpstreamError['kind']) => new UpstreamError({ kind, deploymentId: 'd' }).retryable;
    expect(['rate_limited', 'server_error', 'timeout', 'connection'].every((kind) => retryable(kind as UpstreamError['kind']))).to.equal(true);
    expect(['bad_request', 'auth', 'not_found', 'stream_interrupted'].some((kind) => retryable(kind as UpstreamError['kind']))).to.equal(false);
  });

  it('reads Retry-After as seconds or HTTP date, and retry-after-ms first', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfterMs({ 'retry-after': '12' }, now)).to.equal(12_000);
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, now)).to.equal(30_000);
    expect(parseRetryAfterMs({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }, now)).to.equal(0);
    expect(parseRetryAfterMs({ 'retry-after': '3', 'retry-after-ms': '250' }, now)).to.equal(250);
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).to.equal(null);
    expect(parseRetryAfterMs({}, now)).to.equal(null);
  });

  it('redacts the key, fragments of it, bearer tokens and key-shaped strings, and truncates', () => {
    const key = 'sk-proj-AbCdEf0123456789xyz';
    const text = sanitizeUpstreamMessage(`bad key ${key}; masked sk-proj-AbC****9xyz; header Bearer abc.def; other sk-live-ZZZZZZZZZZZZ; ${'x'.repeat(900)}`, [key]);

    expect(text).to.not.contain(key);
    expect(text).to.not.contain('sk-proj-AbC');
    expect(text).to.not.contain('abc.def');
    expect(text).to.not.contain('ZZZZZZZZ');
    expect(text.length).to.be.at.most(501);
  });

  it('finds the message in the error bodies providers use', () => {
    expect(extractErrorMessage('{"error":{"message":"m1","type":"t"}}')).to.equal('m1');
    expect(extractErrorMessage('{"type":"error","error":{"type":"overloaded_error","message":"m2"}}')).to.equal('m2');
    expect(extractErrorMessage('{"error":"m3"}')).to.equal('m3');
    expect(extractErrorMessage('{"detail":"m4"}')).to.equal('m4');
    expect(extractErrorMessage('<html>Bad Gateway</html>')).to.equal('<html>Bad Gateway</html>');
  });
});
