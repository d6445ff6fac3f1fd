/**
 * BENCH_BASELINE: NexusAI built from another revision, measured in the same run as the working
 * tree, so a change is judged against its predecessor on the same machine in the same minutes
 * (this VM's speed drifts by ±25% between runs; ops/bench/RESULTS.md).
 *
 * The revision's server sources (the folders ops/build.ts compiles) are exported with
 * `git archive` and compiled like the working tree; both run on this checkout's node_modules
 * and npm start's node flags, so only the server code differs.
 */
import { execFileSync } from 'node:child_process';
import { SOURCE_ROOTS } from '../../build.js';
import { REPO_ROOT } from './processes.js';

export interface ExportedRevision {
  /** The commit, abbreviated, as `git rev-parse --short` names it. */
  readonly commit: string;
  /** Where its server sources now are. */
  readonly sourceRoot: string;
}

/** Runs git in this repository; its output (throws when git fails). */
export const git = (args: readonly string[]): Buffer => execFileSync('git', args, { cwd: REPO_ROOT, maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });

/** Exports `revision`'s server sources into `dir` (an empty directory); throws with git's reason if it names no commit. */
export function exportRevision(revision: string, dir: string): ExportedRevision {
  let commit: string;
  try {
    commit = git(['rev-parse', '--short', '--verify', `${revision}^{commit}`]).toString('utf8').trim();
  } catch {
    throw new Error(`BENCH_BASELINE: '${revision}' names no commit of this repository`);
  }
  const archive = git(['archive', '--format=tar', commit, ...SOURCE_ROOTS]);
  execFileSync('tar', ['-x', '-C', dir], { input: archive, maxBuffer: 64 * 1024 * 1024 });
  return { commit, sourceRoot: dir };
}
