/**
 * Preloaded (`--import`) into the NexusAI process the benchmark starts: when the benchmark's
 * process goes away without stopping it (SIGKILL, a crash), the IPC channel closes and NexusAI
 * gets the SIGTERM it would have got, so it shuts down cleanly instead of outliving the run.
 */
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
// The channel exists only for this: it must not keep NexusAI alive by itself.
process.channel?.unref();
