import type { Context } from 'koa';

/** An AbortController that fires when the client hangs up before the response is finished: the upstream call is dropped with it. */
export function clientGone(ctx: Context): AbortController {
  const abort = new AbortController();
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) abort.abort();
  });
  return abort;
}
