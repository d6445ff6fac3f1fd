import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'mocha';
import { buildServer } from '../../ops/build.js';
import { entryIn, startCommand } from '../../ops/start-command.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The README's walkthrough, executed as written against what `npm start` runs (the compiled
 * build, ops/build.ts, with its worker threads and npm start's node flags) started in a fresh
 * directory — only the port is swapped for a free one.
 */
describe('README walkthrough', function () {
  this.timeout(60_000);
  let server: ChildProcess;
  let workdir: string;
  let build: string;
  let port: number;
  let banner = '';

  before(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'nexus-readme-'));
    // Inside the repository, as dist/ is, so the build's imports resolve to its node_modules.
    build = join(REPO, '.build', `readme-${process.pid}`);
    await buildServer(build);
    port = await freePort();
    server = spawn(process.execPath, [...startCommand().nodeFlags, entryIn(build)], {
      cwd: workdir,
      env: { ...process.env, NEXUS_PORT: String(port), NEXUS_LOG_LEVEL: 'warn', NEXUS_ADMIN_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stderr?.on('data', (chunk: Buffer) => (banner += chunk.toString()));
    await new Promise<void>((resolveStart, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${banner}`)), 30_000);
      server.stdout?.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        if (banner.includes('NexusAI is listening')) {
          clearTimeout(timer);
          resolveStart();
        }
      });
      server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${banner}`)));
    });
  });

  after(async () => {
    server?.kill('SIGTERM');
    await new Promise((resolveExit) => (server?.exitCode !== null ? resolveExit(null) : server.once('exit', resolveExit)));
    await rm(workdir, { recursive: true, force: true });
    await rm(build, { recursive: true, force: true });
  });

  it('prints how to reach the server and where the admin token is', () => {
    expect(banner).to.include(`http://127.0.0.1:${port}`);
    expect(banner).to.include('.nexus/admin-token');
    expect(banner).to.include('/docs');
  });

  it('runs the curl walkthrough as written', async () => {
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const block = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
    expect(block, 'README walkthrough block').to.not.equal(null);
    const script = `set -euo pipefail\n${block![1].replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)}`;
    const result = await run('bash', ['-c', script], { cwd: workdir, env: { ...process.env, NEXUS_ADMIN_TOKEN: '' } });
    expect(result.code, `walkthrough failed:\n${result.stdout}\n${result.stderr}`).to.equal(0);
    expect(result.stdout).to.match(/key: nx_[a-z0-9]{8}_/);
    expect(result.stdout).to.include('"name":"Acme Inc"');
    expect(result.stdout).to.match(/^404$/m);
    expect(result.stdout).to.include('"ok":true');
    expect(result.stdout).to.include('"status":"attached"');
  });
});
