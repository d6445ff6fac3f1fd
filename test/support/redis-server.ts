import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A throwaway redis-server for the Redis contract suite and the counters benchmark:
 * loopback only, no persistence, on a free port, killed by `stop()` (and on process exit,
 * so an aborted run leaves no server behind).
 */
export interface RedisServer {
  readonly port: number;
  /** The server's process id (tests pause it with SIGSTOP to simulate a hung server). */
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** The redis-server executable on PATH, or null. */
export function findRedisServer(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

/** Starts redis-server on `port` (a free one by default) and resolves once it answers PING. */
export async function startRedisServer(port?: number, timeoutMs = 5000): Promise<RedisServer> {
  const executable = findRedisServer();
  if (executable === null) throw new Error('redis-server is not on PATH (ops/engines/redis.sh --install-only installs it)');
  const chosen = port ?? (await freePort());
  const args = ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()];
  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${executable}`);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitForPong(child, chosen, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${chosen}: ${(error as Error).message}\n${output}`);
  }
  return {
    port: chosen,
    pid,
    url: `redis://127.0.0.1:${chosen}`,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
    },
  };
}

async function waitForPong(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no PONG within ${timeoutMs} ms`);
}

/** One raw RESP PING; true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/**
 * For a suite's `before` hook: starts a server, or marks the suite pending when
 * redis-server is missing, unless NEXUS_REQUIRE_REDIS=1 (CI), where a missing server fails.
 */
export async function startRedisOrSkip(context: Mocha.Context): Promise<RedisServer> {
  if (findRedisServer() === null) {
    if (process.env.NEXUS_REQUIRE_REDIS === '1') {
      throw new Error('NEXUS_REQUIRE_REDIS=1 but redis-server is not on PATH; run ops/engines/redis.sh --install-only');
    }
    console.warn('    redis-server is not on PATH: the Redis counters suite is pending (ops/engines/redis.sh --install-only installs it; NEXUS_REQUIRE_REDIS=1 makes this a failure)');
    context.skip();
  }
  return startRedisServer();
}
