import type { AddressInfo } from 'node:net';
import { bootstrap } from './bootstrap.js';
import { loadConfig } from './config.js';

/**
 * `npm start`: the gateway's control, query and audit API on embedded engines. Prints how
 * to reach it; stops cleanly on SIGINT/SIGTERM (in-flight requests finish, projections
 * store their checkpoints, the event store flushes its last group commit).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const nexus = await bootstrap(config);
  const server = nexus.app.koa.listen(config.NEXUS_PORT, config.NEXUS_HOST);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.NEXUS_HOST}:${port}`;
  const token = nexus.adminToken;
  const tokenHint =
    token.source === 'environment'
      ? 'admin token: from NEXUS_ADMIN_TOKEN'
      : token.source === 'generated'
        ? `admin token (generated, kept in ${token.file}):\n    ${token.token}`
        : `admin token: kept in ${token.file}  (export NEXUS_ADMIN_TOKEN=$(cat ${token.file}))`;
  process.stdout.write(
    [
      '',
      `NexusAI is listening on ${url}`,
      `  ${tokenHint}`,
      `  API docs:  ${url}/docs   OpenAPI: ${url}/openapi.json`,
      `  health:    ${url}/healthz  ready: ${url}/readyz  metrics: ${url}/metrics`,
      `  data dir:  ${config.NEXUS_DATA_DIR} (embedded SQLite event store and read models)`,
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    nexus.deps.logger.info({ signal }, 'shutting down');
    server.close(() => {
      void nexus.close().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
