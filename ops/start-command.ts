/**
 * What `npm start` runs, read from package.json's `start` script: `node <flags…> <entry>`.
 * The gateway benchmark starts NexusAI with the same flags, and a test holds the Dockerfile's
 * CMD to the same command, so the flags are written down in one place.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface StartCommand {
  /** Node.js flags, e.g. `--max-semi-space-size=32`. */
  readonly nodeFlags: readonly string[];
  /** The module node runs, relative to the repository root: `dist/api/main.js`. */
  readonly entry: string;
}

/** Parses a start script of the form `node [--flag…] <entry>`; anything else is an error (the callers cannot honour it). */
export function parseStartScript(script: string): StartCommand {
  const words = script.trim().split(/\s+/);
  const entry = words.at(-1);
  const nodeFlags = words.slice(1, -1);
  if (words[0] !== 'node' || entry === undefined || words.length < 2 || entry.startsWith('-') || nodeFlags.some((flag) => !flag.startsWith('--'))) {
    throw new Error(`the start script is not "node [--flag…] <entry>": ${script}`);
  }
  return { nodeFlags, entry };
}

export function startCommand(packageJsonUrl: URL = new URL('../package.json', import.meta.url)): StartCommand {
  const manifest = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { scripts?: Record<string, string> };
  const script = manifest.scripts?.start;
  if (script === undefined) throw new Error('package.json has no start script');
  return parseStartScript(script);
}

/** Where npm start's entry is in a build made elsewhere than dist/ (ops/build.ts `--outdir`): `<buildDir>/api/main.js`. */
export function entryIn(buildDir: string, start: StartCommand = startCommand()): string {
  return join(buildDir, relative('dist', start.entry));
}
