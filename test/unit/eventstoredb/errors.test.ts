import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  InvalidTransactionError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  UnsupportedError,
  WrongExpectedVersionError,
  convertToCommandError,
} from '@eventstore/db-client';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import { ConflictError, NotFoundError, PayloadTooLargeError, ValidationError, WrongExpectedRevisionError } from '../../../domain/shared/errors.js';
import { AppendTooLargeError, EventStoreUnavailableError, translateError } from '../../../engines/eventstore/eventstoredb/errors.js';

const append = { operation: 'appendToStream', streamId: 'policy-t_1.p_1', expected: 3 } as const;

/** A gRPC failure as @grpc/grpc-js reports it (status code, details, optional trailers). */
function grpcFailure(code: number, details: string, trailers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { getMap: () => trailers } });
}

describe('EventStoreDB error translation', () => {
  it('turns a wrong expected version into WrongExpectedRevisionError in the port’s words', () => {
    const error = translateError(new WrongExpectedVersionError(undefined, { streamName: 'policy-t_1.p_1', expected: 3n, current: 5n }), append);
    expect(error).to.be.instanceOf(WrongExpectedRevisionError).and.include({ streamId: 'policy-t_1.p_1', expected: '3', actual: '5', kind: 'revision_conflict' });

    const missing = translateError(new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 'stream_exists', current: 'no_stream' }), {
      operation: 'appendToStream',
      streamId: 's-1',
      expected: 'stream_exists',
    });
    expect(missing).to.include({ expected: 'stream_exists', actual: 'no_stream' });
  });

  it('turns a tombstoned stream into a ConflictError and a missing one into NotFoundError', () => {
    expect(translateError(StreamDeletedError.fromStreamName('policy-t_1.p_1'), append))
      .to.be.instanceOf(ConflictError)
      .and.satisfy((error: ConflictError) => error.details.reason === 'stream_deleted' && /deleted/.test(error.message));
    expect(translateError(new StreamNotFoundError(undefined, 'policy-t_1.p_1'), { operation: 'readStream', streamId: 'policy-t_1.p_1' }))
      .to.be.instanceOf(NotFoundError)
      .and.include({ entity: 'stream', id: 'policy-t_1.p_1' });
  });

  it('turns an append over maxAppendSize into a 413 that names the stream and the limit', () => {
    const error = translateError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), append);
    expect(error).to.be.instanceOf(AppendTooLargeError).and.be.instanceOf(PayloadTooLargeError).and.include({ kind: 'payload_too_large', limitBytes: 1_048_576 });
    expect(error.message).to.contain('policy-t_1.p_1').and.contain('1048576');
  });

  it('turns refused arguments into a ValidationError', () => {
    expect(translateError(new InvalidArgumentError('maxCount must be positive'), { operation: 'readAll' })).to.be.instanceOf(ValidationError).and.satisfy((error: Error) => error.message.includes('maxCount must be positive'));
  });

  it('classifies engine failures: transient ones (connection, timeout, not leader) are retryable', () => {
    const notLeader = new NotLeaderError(grpcFailure(5, 'Leader info available', { 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' }) as never);
    const cases: Array<[Error, string, boolean]> = [
      [new UnavailableError(undefined, 'connection refused'), 'connection', true],
      [new CancelledError(undefined, 'cancelled by the server'), 'connection', true],
      [new DeadlineExceededError(undefined, 'deadline'), 'timeout', true],
      [new TimeoutError(undefined, 'commit timeout'), 'timeout', true],
      [notLeader, 'not_leader', true],
      [new AccessDeniedError(undefined, 'denied'), 'access_denied', false],
      [new UnsupportedError('batchAppend', '21.10'), 'unsupported', false],
      [new UnknownError(undefined, 'boom'), 'server', false],
      [new InvalidTransactionError(undefined, 'invalid transaction'), 'server', false],
    ];
    for (const [clientError, failure, retryable] of cases) {
      const error = translateError(clientError, append);
      expect(error, failure).to.be.instanceOf(EventStoreUnavailableError).and.include({ failure, retryable, operation: 'appendToStream', kind: 'eventstore_unavailable' });
      expect((error as Error).cause).to.equal(clientError);
    }
    expect(translateError(notLeader, append).message).to.contain('node2:2113');
    expect(translateError(new UnsupportedError('batchAppend', '21.10'), append).message).to.contain('21.10');
  });

  it('translates what the client makes of raw gRPC statuses (server down, deadline, unauthenticated)', () => {
    const translate = (code: number) => translateError(convertToCommandError(grpcFailure(code, 'x')), { operation: 'readAll' }) as EventStoreUnavailableError;
    expect(translate(14).failure, 'UNAVAILABLE').to.equal('connection');
    expect(translate(4).failure, 'DEADLINE_EXCEEDED').to.equal('timeout');
    expect(translate(16).failure, 'UNAUTHENTICATED').to.equal('access_denied');
    expect(translate(13).failure, 'INTERNAL').to.equal('server');
  });

  it('lets our own errors through unchanged and wraps non-errors', () => {
    const own = new TypeError('eventId must be a UUID');
    const conflict = new WrongExpectedRevisionError('s-1', '0', '1');
    expect(translateError(own, append)).to.equal(own);
    expect(translateError(conflict, append)).to.equal(conflict);
    expect(translateError('weird', append)).to.be.instanceOf(Error).and.have.property('message', 'weird');
  });
});
