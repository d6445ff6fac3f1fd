/**
 * Gateway benchmark: what NexusAI adds to a chat completion, next to the floor any Node.js
 * gateway sits on, all measured in one run on this machine.
 *
 *   npx tsx ops/bench/gateway.bench.ts
 *   BENCH_SECONDS=30 BENCH_RATES=200,500,1000 BENCH_CONNECTIONS=64 npx tsx ops/bench/gateway.bench.ts
 *   BENCH_CPU_PROF=1 npx tsx ops/bench/gateway.bench.ts      # + a CPU profile of the NexusAI process
 *   BENCH_REBUILD=usage BENCH_TARGETS=nexus npx tsx ops/bench/gateway.bench.ts   # NexusAI rebuilding a projection during each phase
 *   BENCH_ROUNDS=3 npx tsx ops/bench/gateway.bench.ts    # every target three times, in turn: figures per round and their median
 *   BENCH_BASELINE=53f96a4 BENCH_TARGETS=nexus BENCH_ROUNDS=4 npx tsx ops/bench/gateway.bench.ts
 *       # A/B: NexusAI built from that revision too, measured next to the working tree in every round (order swapping)
 *
 * Processes (each its own event loop; all on 127.0.0.1):
 * - a fast upstream speaking OpenAI chat completions (gateway/upstream.ts);
 * - the load generator (gateway/load.ts): open loop at fixed rates, latency from the scheduled
 *   send time (no coordinated omission), HDR histograms; then closed loop at max throughput;
 * - one target at a time, started before and stopped after its phases:
 *   (1) the upstream directly; (2) a bare node:http + undici proxy (gateway/bare-proxy.ts);
 *   (3) NexusAI as `npm start` runs it (the compiled build, ops/build.ts; embedded engines in a temporary
 *   data dir), configured over its admin API (gateway/nexus.ts).
 * Phases per target: warm-up (BENCH_WARMUP_SECONDS, 5 s at 500 req/s), each of BENCH_RATES
 * (200, 500, 1000 req/s) for BENCH_SECONDS (10 s), then BENCH_CONNECTIONS (64) closed loops
 * for BENCH_SECONDS; before each phase, the target's process must be idle again (< 10% of a
 * core), so one phase's backlog (NexusAI's projections catching up) does not land in the next.
 * Prints a table per target and the summary against the issue's targets.
 * Exits 0 whatever the figures; 1 if the harness broke or more than 1% of a phase's requests
 * failed (the figures would not mean what they say).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { summarizeProfile } from './gateway/cpu-profile.js';
import { cpuShares, sampleCpu, waitUntilIdle, type CpuSample } from './gateway/cpu-usage.js';
import { exportRevision, git, type ExportedRevision } from './gateway/baseline.js';
import { startNexus, type NexusBuild } from './gateway/nexus.js';
import { Processes } from './gateway/processes.js';
import { CHAT_PATH, CHAT_REQUEST, type LoadMessage, type LoadTarget, type ParentMessage, type Phase } from './gateway/protocol.js';
import { TARGETS, TARGET_LABELS, baselineTable, failureShare, isWarmUp, judge, machine, phaseLabel, progressLine, roundsTable, summary, targetTable, type Measured, type Results, type TargetName } from './gateway/report.js';

interface Options {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rates: readonly number[];
  readonly connections: number;
  readonly targets: readonly TargetName[];
  readonly cpuProfile: boolean;
  /** A projection NexusAI rebuilds over and over during each measured phase (BENCH_REBUILD), else null. */
  readonly rebuildDuring: string | null;
  /** How many times every target is measured, in turn (BENCH_ROUNDS). */
  readonly rounds: number;
  /** A revision NexusAI is also built from and measured next to the working tree in every round (BENCH_BASELINE), else null. */
  readonly baseline: string | null;
}

const MAX_FAILURE_SHARE = 0.01;

const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

function phases(options: Options): Phase[] {
  return [
    { kind: 'rate', name: 'warm-up', rate: 500, seconds: options.warmupSeconds },
    ...options.rates.map((rate): Phase => ({ kind: 'rate', name: `${rate}/s`, rate, seconds: options.seconds })),
    { kind: 'max', name: 'max', connections: options.connections, seconds: options.seconds },
  ];
}

/**
 * Runs the phases against one target in a fresh load-generator process; resolves to every
 * phase's figures. Between phases it waits until the target's process is idle again (its
 * background work, such as projections catching up, belongs to the phase that caused it).
 */
function measure(
  processes: Processes,
  name: TargetName,
  target: LoadTarget,
  list: readonly Phase[],
  roles: { target: ChildProcess | null; upstream: ChildProcess },
  during: Background | null = null,
): Promise<Measured[]> {
  const measured: Measured[] = [];
  const generator = processes.fork('load.ts');
  const sample = () => sampleCpu({ target: roles.target?.pid, load: generator.pid, upstream: roles.upstream.pid });
  const targetPid = (roles.target ?? roles.upstream).pid;
  let started: { cpu: CpuSample | null; at: number } = { cpu: null, at: 0 };
  let settled = false;
  const next = async (): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idle = targetPid === undefined ? null : await waitUntilIdle(targetPid);
    if (idle !== null && idle.waitedMs > 2_000) console.log(`  ${name} | the target was busy for ${(idle.waitedMs / 1000).toFixed(1)} s after the phase${idle.settled ? '' : ' (gave up waiting)'}`);
    generator.send({ type: 'next' } satisfies ParentMessage);
  };
  return new Promise((resolve, reject) => {
    generator.on('message', (message: LoadMessage) => {
      if (message.type === 'started') {
        started = { cpu: sample(), at: monotonicMicros() };
        if (during !== null && message.phase !== 'warm-up') during.start();
      } else if (message.type === 'phase') {
        during?.stop();
        const phase = { result: message.result, cpu: cpuShares(started.cpu, sample()), window: { from: started.at, to: monotonicMicros() } };
        measured.push(phase);
        console.log(progressLine(name, phase));
        if (measured.length < list.length) next().catch(reject);
      } else if (message.type === 'done') {
        settled = true;
        generator.disconnect(); // the generator exits on it
        resolve(measured);
      } else reject(new Error(`load generator failed: ${message.message}`));
    });
    generator.once('exit', (code) => {
      if (!settled) reject(new Error(`load generator exited (code ${code}) after ${measured.length} of ${list.length} phases`));
    });
    generator.send({ type: 'run', target, phases: list } satisfies ParentMessage);
  });
}

/** Work the target does in the background during each measured phase (not the warm-up). */
interface Background {
  start(): void;
  stop(): void;
}

/**
 * Rebuilds `projection` back to back while a phase runs: what an operator's rebuild costs the
 * data plane. The rebuild in flight when the phase ends finishes on its own.
 */
function rebuildLoop(rebuild: (projection: string) => Promise<void>, projection: string, onRebuilt: () => void): Background {
  let running = false;
  const loop = async (): Promise<void> => {
    while (running) {
      await rebuild(projection);
      onRebuilt();
    }
  };
  return {
    start: () => {
      if (running) return;
      running = true;
      loop().catch((error: unknown) => {
        running = false;
        console.error(`  rebuild of ${projection} failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    },
    stop: () => {
      running = false;
    },
  };
}

const target = (origin: string, headers: Record<string, string> = {}): LoadTarget => ({
  origin,
  path: CHAT_PATH,
  headers: { 'content-type': 'application/json', ...headers },
  body: CHAT_REQUEST,
});

interface Round {
  readonly results: Results;
  readonly notes: string[];
  /** The code NexusAI started from in this round (other work may be committed while the benchmark runs). */
  readonly code: string;
}

/**
 * Each target once, in order (NexusAI started fresh, on a new data dir): one round of the run.
 * With a baseline, the two NexusAI builds swap places every other round, so neither is always
 * the one measured later in the machine's drift.
 */
async function runRound(bench: Bench, round: RoundContext): Promise<Round> {
  const { processes, list, upstream, upstreamOrigin } = bench;
  const results: Results = {};
  const notes: string[] = [];
  let code = codeVersion();
  const order = round.index % 2 === 0 ? bench.options.targets : swapNexusBuilds(bench.options.targets);
  for (const name of order) {
    console.log(`\n${TARGET_LABELS[name]}${name === 'baseline' && round.baseline ? ` — ${round.baseline.commit}` : ''}`);
    if (name === 'direct') results.direct = await measure(processes, name, target(upstreamOrigin), list, { target: null, upstream });
    if (name === 'proxy') {
      const proxy = processes.fork('bare-proxy.ts', [upstreamOrigin]);
      const origin = `http://127.0.0.1:${await processes.listening(proxy, 'bare proxy')}`;
      results.proxy = await measure(processes, name, target(origin), list, { target: proxy, upstream });
      await processes.stop(proxy);
    }
    if (name === 'nexus') {
      code = codeVersion();
      results.nexus = await measureNexus(bench, null, notes);
    }
    if (name === 'baseline' && round.baseline) {
      results.baseline = await measureNexus(bench, { name: `baseline-${round.baseline.commit}`, sourceRoot: round.baseline.sourceRoot }, notes);
    }
  }
  return { results, notes, code };
}

/** The targets in their usual order, but the baseline build after the working tree's instead of before it. */
function swapNexusBuilds(targets: readonly TargetName[]): TargetName[] {
  const swapped = [...targets];
  const [b, n] = [swapped.indexOf('baseline'), swapped.indexOf('nexus')];
  if (b !== -1 && n !== -1) [swapped[b], swapped[n]] = [swapped[n] as TargetName, swapped[b] as TargetName];
  return swapped;
}

/** What every round measures with: the run's options and phases, and the upstream they all share. */
interface Bench {
  readonly processes: Processes;
  readonly options: Options;
  readonly list: readonly Phase[];
  readonly upstream: ChildProcess;
  readonly upstreamOrigin: string;
}

interface RoundContext {
  /** 0-based. */
  readonly index: number;
  readonly baseline: ExportedRevision | null;
}

/** One NexusAI build (null: the working tree; else a baseline's) started fresh, configured, measured through every phase and stopped. */
async function measureNexus({ processes, options, list, upstream, upstreamOrigin }: Bench, build: NexusBuild | null, notes: string[]): Promise<Measured[]> {
  const name = build === null ? 'nexus' : 'baseline';
  const label = build === null ? 'NexusAI' : `NexusAI (${build.name})`;
  const profileDir = options.cpuProfile ? mkdtempSync(join(tmpdir(), 'nexus-gateway-profile-')) : null;
  const nexus = await startNexus(processes, { upstreamOrigin, cpuProfileDir: profileDir, build: build ?? undefined });
  for (const line of nexus.setup) console.log(`  setup: ${line}`);
  let rebuilds = 0;
  const during = options.rebuildDuring === null ? null : rebuildLoop(nexus.rebuild, options.rebuildDuring, () => rebuilds++);
  const measured = await measure(processes, name, target(nexus.origin, { authorization: `Bearer ${nexus.apiKey}` }), list, { target: nexus.child, upstream }, during);
  if (options.rebuildDuring !== null) notes.push(`${label} rebuilt projection '${options.rebuildDuring}' ${rebuilds} times, back to back, during the measured phases (BENCH_REBUILD)`);
  const budget = await nexus.budgetAfterRun();
  console.log(`  after: ${budget}`);
  notes.push(...nexus.setup.map((line) => `${label} setup: ${line}`), `${label} after the run: ${budget}`);
  await processes.stop(nexus.child);
  for (const [line, count] of nexus.logs) notes.push(`${label} logged (warn or above) ${count}×: ${line}`);
  if (profileDir !== null) printProfile(profileDir, measured.filter(({ result }) => !isWarmUp(result)));
  return measured;
}

function printRound({ results, notes, code }: Round, options: Options, heading: string): void {
  console.log(`\n## ${heading}\n`);
  console.log(`machine: ${machine()}`);
  console.log(`code: ${code}${results.nexus ? ' (when NexusAI started)' : ''}\n`);
  for (const name of TARGETS) {
    const own = results[name];
    if (own) console.log(`${targetTable(name, own.filter(({ result }) => !isWarmUp(result))).join('\n')}\n`);
  }
  for (const note of notes) console.log(note);
  console.log(`\n## Against the targets${heading === 'Results' ? '' : ` (${heading.toLowerCase()})`}\n`);
  for (const line of summary(results, options.rates)) console.log(`- ${line}`);
}

export async function runGatewayBench(options: Options): Promise<boolean> {
  const processes = new Processes();
  const list = phases(options);
  const rounds: Round[] = [];
  const totalSeconds = options.rounds * options.targets.length * (options.warmupSeconds + (options.rates.length + 1) * options.seconds);
  console.log('# Gateway (chat completion through the gateway vs a bare proxy vs the upstream directly)');
  console.log(`machine: ${machine()}`);
  console.log(`code: ${codeVersion()}`);
  console.log(
    `phases per target: warm-up ${options.warmupSeconds} s at 500 req/s, ${options.rates.join(' / ')} req/s × ${options.seconds} s, max throughput ${options.connections} conns × ${options.seconds} s` +
      `${options.rounds > 1 ? `; ${options.rounds} rounds of every target` : ''} (~${Math.round(totalSeconds)} s of load)`,
  );
  let baseline: ExportedRevision | null = null;
  try {
    if (options.baseline !== null) {
      baseline = exportRevision(options.baseline, processes.tempDir('nexus-gateway-baseline-'));
      console.log(`baseline: NexusAI at ${baseline.commit} (BENCH_BASELINE=${options.baseline}), measured next to the working tree in every round`);
    }
    const upstream = processes.fork('upstream.ts');
    const upstreamOrigin = `http://127.0.0.1:${await processes.listening(upstream, 'upstream')}`;
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) console.log(`\n# Round ${round} of ${options.rounds}`);
      rounds.push(await runRound({ processes, options, list, upstream, upstreamOrigin }, { index: round - 1, baseline }));
    }
  } finally {
    await processes.stopAll();
  }

  rounds.forEach((round, index) => printRound(round, options, rounds.length === 1 ? 'Results' : `Round ${index + 1} of ${rounds.length}`));
  if (rounds.length > 1) {
    console.log(`\n## Over the ${rounds.length} rounds\n`);
    for (const line of roundsTable(rounds.map(({ results }) => judge(results, options.rates)))) console.log(line);
  }
  const againstBaseline = baselineTable(rounds.map(({ results }) => results), options.rates);
  if (baseline !== null && againstBaseline.length > 0) {
    console.log(`\n## The working tree (${rounds[rounds.length - 1]?.code ?? codeVersion()}) against the baseline ${baseline.commit}\n`);
    for (const line of againstBaseline) console.log(line);
    console.log('\nEach cell: the baseline\'s figure → the working tree\'s, measured one right after the other (their order swaps every round). CPU: NexusAI\'s process, % of one core.');
  }

  const failed = rounds.flatMap(({ results }) =>
    TARGETS.flatMap((name) => (results[name] ?? []).filter(({ result }) => failureShare(result) > MAX_FAILURE_SHARE).map(({ result }) => ({ name, result }))),
  );
  for (const { name, result } of failed) {
    console.error(
      `\n!!! ${TARGET_LABELS[name]}, ${isWarmUp(result) ? 'warm-up' : phaseLabel(result)}: ${(failureShare(result) * 100).toFixed(1)}% of ` +
        `${result.sent} requests failed (first: ${result.firstFailure}). Its figures do not describe a working target.`,
    );
  }
  return failed.length === 0;
}

/** Self time of the NexusAI process: areas per phase, then functions over all measured phases. */
function printProfile(dir: string, phases: readonly Measured[]): void {
  // One file per thread (the worker threads write their own): the main thread is thread 0, CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile.
  const file = readdirSync(dir).find((entry) => /\.\d+\.0\.\d+\.cpuprofile$/.test(entry)) ?? readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'));
  if (file === undefined || phases.length === 0) {
    console.log(`  cpu profile: none written in ${dir}`);
    return;
  }
  const path = join(dir, file);
  console.log(`  cpu profile of the NexusAI process: ${path} (kept). Self time, in % of the process's busy time:`);
  for (const phase of phases) {
    const profile = summarizeProfile(path, phase.window, 8);
    const areas = profile.areas.map((area) => `${area.name} ${(area.share * 100).toFixed(0)}%`).join(', ');
    console.log(`    ${phaseLabel(phase.result)} (busy ${(profile.busyMs / 1000).toFixed(1)} of ${(profile.windowMs / 1000).toFixed(1)} s): ${areas}`);
  }
  const whole = summarizeProfile(path, { from: phases[0]?.window.from ?? 0, to: phases[phases.length - 1]?.window.to ?? 0 }, 20);
  console.log('    functions, all measured phases:');
  for (const fn of whole.functions) console.log(`      ${(fn.share * 100).toFixed(1).padStart(5)}%  ${fn.name}`);
}

/** The commit measured, and whether the working tree differed from it (other work in progress is measured too). */
function codeVersion(): string {
  try {
    const text = (...args: string[]) => git(args).toString('utf8').trim();
    const changed = text('status', '--porcelain', '--untracked-files=normal').split('\n').filter((line) => line.trim() !== '').length;
    return `${text('rev-parse', '--short', 'HEAD')}${changed > 0 ? ` + ${changed} uncommitted path(s) in the working tree` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function options(env: NodeJS.ProcessEnv = process.env): Options {
  const baseline = env.BENCH_BASELINE?.trim() || null;
  const chosen = (env.BENCH_TARGETS ?? 'direct,proxy,nexus').split(',').map((name) => name.trim());
  const unknown = chosen.filter((name) => !(TARGETS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_TARGETS: unknown target(s) ${unknown.join(', ')}; known: ${TARGETS.join(', ')}`);
  if (chosen.includes('baseline') && baseline === null) throw new Error('BENCH_TARGETS names baseline, but BENCH_BASELINE names no revision to build it from');
  // A baseline is measured wherever the working tree's NexusAI is.
  const targets = baseline !== null && chosen.includes('nexus') ? [...chosen, 'baseline'] : chosen;
  const positive = (name: string, fallback: string): number => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not '${env[name]}'`);
    return value;
  };
  const rates = (env.BENCH_RATES ?? '200,500,1000').split(',').map(Number);
  if (rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) throw new Error(`BENCH_RATES must be a comma-separated list of positive req/s, not '${env.BENCH_RATES}'`);
  return {
    seconds: positive('BENCH_SECONDS', '10'),
    warmupSeconds: positive('BENCH_WARMUP_SECONDS', '5'),
    rates,
    connections: Math.round(positive('BENCH_CONNECTIONS', '64')),
    targets: TARGETS.filter((name) => targets.includes(name)),
    cpuProfile: env.BENCH_CPU_PROF === '1' || env.BENCH_CPU_PROF === 'true',
    rebuildDuring: env.BENCH_REBUILD?.trim() || null,
    rounds: Math.round(positive('BENCH_ROUNDS', '1')),
    baseline,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  Promise.resolve()
    .then(() => runGatewayBench(options()))
    .then(
      (sound) => process.exit(sound ? 0 : 1),
      (error: unknown) => {
        console.error(`gateway benchmark broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.exit(1);
      },
    );
}
