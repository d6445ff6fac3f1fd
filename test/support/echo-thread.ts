import { parentPort } from 'node:worker_threads';
import { NexusError } from '../../domain/shared/errors.js';
import { serveThread } from '../../api/threads/serve.js';

/** A service thread for the tests of api/threads: echoes, fails on request, and counts the call batches it received. */
let batches = 0;
parentPort?.on('message', (message: { type: string }) => {
  if (message.type === 'calls') batches++;
});

serveThread(async (data) => {
  if ((data as { failToOpen?: string }).failToOpen) throw new Error((data as { failToOpen: string }).failToOpen);
  return {
    methods: {
      echo: (value: unknown) => value,
      slowEcho: async (value: unknown, ms: number) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return value;
      },
      conflict: () => {
        throw new NexusError('conflict', 'already there', { streamId: 's-1' });
      },
      batches: () => batches,
    },
    close: async () => undefined,
  };
});
