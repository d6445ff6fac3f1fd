/**
 * The benchmark's child processes and temporary directories, and their clean-up: every child
 * started here is stopped (SIGTERM, then SIGKILL) and every directory removed when the
 * benchmark ends, fails, or is interrupted (SIGINT/SIGTERM). Children also exit by themselves
 * when their IPC channel to this process closes.
 */
import { fork, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isListening } from './protocol.js';

/** The repository root: children run from it so `--import tsx` and relative paths resolve as with `npm start`. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export class Processes {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();

  constructor() {
    const interrupted = (signal: NodeJS.Signals) => {
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      void this.stopAll().finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    // Last resort (an uncaught error, process.exit elsewhere): nothing may outlive the benchmark.
    process.once('exit', () => {
      for (const child of this.children) child.kill('SIGKILL');
      for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    });
  }

  /** Forks one of the TypeScript children in this folder under tsx, with an IPC channel. */
  fork(script: string, args: readonly string[] = []): ChildProcess {
    const child = fork(join(REPO_ROOT, 'ops/bench/gateway', script), [...args], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return this.track(child);
  }

  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    return this.track(spawn(command, [...args], options));
  }

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.add(dir);
    return dir;
  }

  /** A directory for a compiled build (ops/build.ts): inside the repository, so its imports resolve to node_modules. */
  buildDir(name: string): string {
    const dir = join(REPO_ROOT, '.build', `${name}-${process.pid}`);
    this.dirs.add(dir);
    return dir;
  }

  /** Resolves to the port the child reports over IPC once it listens. */
  listening(child: ChildProcess, label: string, timeoutMs = 30_000): Promise<number> {
    return new Promise((resolvePort, reject) => {
      const timer = setTimeout(() => fail(new Error(`${label} did not start listening within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: unknown) => {
        if (!isListening(message)) return;
        cleanup();
        resolvePort(message.port);
      };
      const onExit = (code: number | null) => fail(new Error(`${label} exited (code ${code}) before listening`));
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage).off('exit', onExit);
      };
      const fail = (error: Error) => {
        cleanup();
        reject(error);
      };
      child.on('message', onMessage).once('exit', onExit);
    });
  }

  /** SIGTERM (a NexusAI child shuts down cleanly and writes its CPU profile), SIGKILL after `graceMs`. */
  async stop(child: ChildProcess, graceMs = 10_000): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    this.children.delete(child);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((child) => this.stop(child)));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }

  private track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }
}
