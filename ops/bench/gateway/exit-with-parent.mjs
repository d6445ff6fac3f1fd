/**
 * Preloaded (`--import`) into the NexusAI process the benchmark starts: when the benchmark's
 * process goes away without stopping it (SIGKILL, a crash), the IPC channel closes and NexusAI
 * gets the SIGTERM it would have got, so it shuts down cleanly instead of outliving the run.
 */
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
// The channel exists only for this: it must not keep NexusAI alive by itself.
process.channel?.unref();

// BENCH_LOOP_DELAY=1: report the event loop's worst stall each second (to find where tails come from).
if (process.env.BENCH_LOOP_DELAY === '1') {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  setInterval(() => {
    const maxMs = histogram.max / 1e6;
    if (maxMs > 30) process.stderr.write(`[nexus] event loop stalled up to ${maxMs.toFixed(0)} ms in the last second (p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms)\n`);
    histogram.reset();
  }, 1000).unref();
}
