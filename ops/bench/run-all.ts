import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench`: runs every ops/bench/*.bench.ts in its own process (so one benchmark's
 * heap and file cache do not skew the next) and prints their figures in turn.
 */
const here = dirname(fileURLToPath(import.meta.url));
const benches = readdirSync(here).filter((file) => file.endsWith('.bench.ts')).sort();
let failed = 0;
for (const bench of benches) {
  process.stdout.write(`\n=== ${bench}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, bench), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
