/**
 * `npm run build`: the compiled build that `npm start`, the Dockerfile and the gateway
 * benchmark run. Every TypeScript module the server loads (api, commands, domain, engines,
 * projections, schemas) becomes one JavaScript module at the same path under dist/, with its
 * source map; the event schemas (.avsc) are copied next to the registry that reads them.
 *
 *   npm run build                          # into dist/
 *   npx tsx ops/build.ts --outdir .build/x # elsewhere inside the repository (node_modules must resolve from it)
 *
 * Why compiled, when tsx runs the sources directly in development and the tests: under tsx
 * every process and worker thread keeps a module-loader thread, and esbuild's keepNames wraps
 * every function created at run time (closures per request included) in a naming helper.
 * The build transpiles only (no bundling, no minifying), so stack traces keep the sources'
 * names and file layout; type checking stays `npm run typecheck`'s job.
 */
import { build } from 'esbuild';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The folders of server code; ops/ (CLI, benchmarks, scripts) and test/ run under tsx. */
export const SOURCE_ROOTS = ['api', 'commands', 'domain', 'engines', 'projections', 'schemas'] as const;
/** Files the server reads at run time, copied as they are. */
const ASSETS = ['schemas/events'] as const;

function typeScriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Compiles the server into `outdir` (emptied first); resolves to the number of modules written.
 * `sourceRoot` is the tree whose SOURCE_ROOTS are compiled: this repository, or another
 * revision's sources exported elsewhere (the gateway benchmark's BENCH_BASELINE).
 */
export async function buildServer(outdir: string, sourceRoot: string = REPO_ROOT): Promise<number> {
  const target = resolve(REPO_ROOT, outdir);
  if (relative(REPO_ROOT, target).startsWith('..') || target === REPO_ROOT) {
    throw new Error(`the build must go inside the repository, below its root (node_modules resolve from there): ${outdir}`);
  }
  const entryPoints = SOURCE_ROOTS.flatMap((root) => typeScriptFiles(join(sourceRoot, root)));
  rmSync(target, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: target,
    outbase: sourceRoot,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const asset of ASSETS) cpSync(join(sourceRoot, asset), join(target, asset), { recursive: true });
  // The compiled modules are ES modules wherever the build lands (a package scope ends at node_modules).
  writeFileSync(join(target, 'package.json'), `${JSON.stringify({ private: true, type: 'module' }, null, 2)}\n`);
  return entryPoints.length;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
  const started = performance.now();
  const modules = await buildServer(values.outdir);
  process.stdout.write(`built ${modules} modules into ${values.outdir}/ in ${Math.round(performance.now() - started)} ms\n`);
}
