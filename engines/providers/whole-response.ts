import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** A response read whole into memory: status, headers and the body as UTF-8 text. */
export interface WholeResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** Thrown inside the handler to stop reading a non-2xx body that outgrew its limit; never leaves this module. */
class ErrorBodyCut extends Error {}

/**
 * Sends one request through undici's dispatch API and collects the response whole. A JSON
 * answer is needed whole anyway (its usage is in it), and this skips what `request()` builds
 * around each call for a body read as a stream: an AsyncResource, a Readable, and the
 * promise machinery that consumes it (on the loaded request loop, ~30% of the undici time
 * per request; ops/bench/RESULTS.md, Gateway).
 *
 * - `signal` aborts the request; the promise then rejects with undici's abort error (callers
 *   map it to the signal's reason);
 * - a non-2xx body is kept up to `errorBodyLimit` bytes, then the connection is dropped
 *   (an error report needs no more; the socket is not held for the rest); a non-2xx answer
 *   whose body breaks off resolves with what arrived (the status is the answer);
 * - headersTimeout / bodyTimeout, the connect timeout and every network failure reject with
 *   undici's error, as `request()` would.
 */
export function dispatchWhole(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal | undefined, errorBodyLimit: number): Promise<WholeResponse> {
  return new Promise<WholeResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let statusCode = 0;
    let headers: IncomingHttpHeaders = {};
    let stopListening: (() => void) | null = null;
    const settled = (): void => {
      stopListening?.();
      stopListening = null;
    };
    const collected = (): WholeResponse => ({ statusCode, headers, text: Buffer.concat(chunks, size).toString('utf8') });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        settled(); // undici may start a request again (a retried pipeline head)
        if (signal === undefined) return;
        if (signal.aborted) return controller.abort(signal.reason as Error);
        const onAbort = (): void => controller.abort(signal.reason as Error);
        signal.addEventListener('abort', onAbort, { once: true });
        stopListening = () => signal.removeEventListener('abort', onAbort);
      },
      onResponseStart(_controller, status, responseHeaders) {
        statusCode = status;
        headers = responseHeaders;
      },
      onResponseData(controller, chunk) {
        chunks.push(chunk);
        size += chunk.length;
        const isError = statusCode < 200 || statusCode >= 300;
        if (isError && size >= errorBodyLimit) controller.abort(new ErrorBodyCut());
      },
      onResponseEnd() {
        settled();
        resolve(collected());
      },
      onResponseError(_controller, error) {
        settled();
        // An error status already heard is the answer, even if its body broke off (unless the caller left).
        const heardError = statusCode !== 0 && (statusCode < 200 || statusCode >= 300) && signal?.aborted !== true;
        if (error instanceof ErrorBodyCut || heardError) resolve(collected());
        else reject(error);
      },
    };
    dispatcher.dispatch(options, handler);
  });
}
