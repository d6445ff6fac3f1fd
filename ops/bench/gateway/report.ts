/**
 * The gateway benchmark's tables (markdown, so they paste into RESULTS.md as printed) and the
 * summary against the issue's targets: NexusAI's added p50 ≤ 1 ms, its added p99 at 500 req/s
 * ≤ 2× the bare proxy's, its maximum throughput ≥ 50% of the bare proxy's ("added" = the
 * target's figure − the upstream's own, measured directly in the same run).
 */
import { cpus, totalmem } from 'node:os';
import type { CpuShares } from './cpu-usage.js';
import type { PhaseResult } from './protocol.js';

/** In the order a round measures them; 'baseline' (NexusAI built from BENCH_BASELINE's revision) only when that is set. */
export const TARGETS = ['direct', 'proxy', 'baseline', 'nexus'] as const;
export type TargetName = (typeof TARGETS)[number];

export const TARGET_LABELS: Readonly<Record<TargetName, string>> = {
  direct: 'upstream directly',
  proxy: 'bare Node.js proxy (node:http + undici)',
  baseline: 'NexusAI at the baseline revision (BENCH_BASELINE)',
  nexus: 'NexusAI (whole pipeline)',
};

/** A phase's figures from the load generator, and who used the CPU meanwhile (measured by the parent). */
export interface Measured {
  readonly result: PhaseResult;
  readonly cpu: CpuShares | null;
  /** When the phase ran, in microseconds of the monotonic clock (to cut a CPU profile to it). */
  readonly window: { readonly from: number; readonly to: number };
}

export type Results = Partial<Record<TargetName, readonly Measured[]>>;

export const isWarmUp = (result: PhaseResult): boolean => result.phase.name === 'warm-up';

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (value: number) => fmt(value, value < 10 ? 2 : 1);

export function machine(): string {
  const cores = cpus();
  const memory = `${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
  return `${cores[0]?.model ?? 'unknown cpu'} · ${cores.length} cores · ${memory} · Node ${process.version} · ${process.platform}/${process.arch}`;
}

export function phaseLabel(result: PhaseResult): string {
  return result.phase.kind === 'rate' ? `${fmt(result.phase.rate)} req/s` : `max (${result.phase.connections} conns)`;
}

const failures = (result: PhaseResult): number => result.errors + Object.values(result.non2xx).reduce((sum, count) => sum + count, 0);

/** Failed answers as a share of the requests sent. */
export const failureShare = (result: PhaseResult): number => (result.sent === 0 ? 0 : failures(result) / result.sent);

/** One line per finished phase, while the benchmark runs. */
export function progressLine(target: TargetName, { result, cpu }: Measured): string {
  const failed = failures(result);
  return (
    `  ${target} | ${result.phase.name.padEnd(9)} | ${fmt(result.throughput).padStart(6)} ok/s | p50 ${ms(result.latency.p50)} ms | ` +
    `p99 ${ms(result.latency.p99)} ms | max ${ms(result.latency.max)} ms | CPU ${cpuCell(cpu)}` +
    `${failed > 0 ? ` | FAILED ${fmt(failed)} (${result.firstFailure ?? ''})` : ''}`
  );
}

/** "target / load generator / upstream / other" in % of one core; the direct target is the upstream. */
function cpuCell(cpu: CpuShares | null): string {
  if (cpu === null) return '—';
  return ['target', 'load', 'upstream', 'other'].map((role) => (cpu[role] === undefined ? '–' : fmt(cpu[role]))).join(' / ');
}

export function targetTable(target: TargetName, measured: readonly Measured[]): string[] {
  const lines = [
    `${TARGET_LABELS[target]}`,
    '',
    '| phase | achieved | ok | non-2xx | errors | p50 | p90 | p99 | p99.9 | max | service p50 / p99 | send lag p99 | CPU % target / load / upstream / other |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { result, cpu } of measured) {
    const { latency, service } = result;
    const non2xx = Object.entries(result.non2xx).map(([status, count]) => `${fmt(count)}×${status}`).join(' ') || '0';
    lines.push(
      `| ${phaseLabel(result)} | ${fmt(result.throughput)}/s | ${fmt(result.ok)} | ${non2xx} | ${fmt(result.errors)} | ` +
        `${ms(latency.p50)} | ${ms(latency.p90)} | ${ms(latency.p99)} | ${ms(latency.p999)} | ${ms(latency.max)} | ` +
        `${ms(service.p50)} / ${ms(service.p99)} | ${result.sendLag ? ms(result.sendLag.p99) : '—'} | ${cpuCell(cpu)} |`,
    );
  }
  lines.push(
    '',
    'Latencies in ms, 2xx answers only; fixed rates from the scheduled send time (open loop), max throughput from the send (closed loop). ' +
      'CPU in % of one core (2 cores = 200%) during the phase; "other" is everything else on the machine.',
  );
  return lines;
}

const atRate = (measured: readonly Measured[] | undefined, rate: number) =>
  measured?.find(({ result }) => !isWarmUp(result) && result.phase.kind === 'rate' && result.phase.rate === rate)?.result;
const atMax = (measured: readonly Measured[] | undefined) => measured?.find(({ result }) => result.phase.kind === 'max')?.result;
const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');

/** One of the issue's targets as measured in one round: the figure it is judged by, and how it reads. */
export interface Judged {
  /** Names the target across rounds, e.g. "added p50 at 500 req/s". */
  readonly target: string;
  /** The figure compared with the target (ms, a ratio, or a share); null when the round could not measure it. */
  readonly value: number | null;
  readonly pass: boolean;
  readonly text: string;
}

/** The issue's targets, each judged from one round's results (what is missing for a target says so). */
export function judge(results: Results, rates: readonly number[]): Judged[] {
  const { direct, proxy, nexus } = results;
  const judged: Judged[] = [];
  if (direct && nexus) {
    for (const rate of rates) {
      const [d, p, n] = [atRate(direct, rate), atRate(proxy, rate), atRate(nexus, rate)];
      if (!d || !n) continue;
      const added = n.latency.p50 - d.latency.p50;
      const proxyAdded = p ? ` (bare proxy adds ${ms(p.latency.p50 - d.latency.p50)} ms)` : '';
      const target = `added p50 at ${fmt(rate)} req/s`;
      judged.push({ target, value: added, pass: added <= 1, text: `${target}: NexusAI ${ms(added)} ms${proxyAdded} — target ≤ 1 ms: ${verdict(added <= 1)}` });
    }
  }
  const p99Target = 'added p99 at 500 req/s';
  const [d500, p500, n500] = [atRate(direct, 500), atRate(proxy, 500), atRate(nexus, 500)];
  if (d500 && p500 && n500) {
    const nexusAdded = n500.latency.p99 - d500.latency.p99;
    const proxyAdded = p500.latency.p99 - d500.latency.p99;
    const pass = nexusAdded <= 2 * Math.max(proxyAdded, 0);
    const ratio = proxyAdded > 0 ? nexusAdded / proxyAdded : null;
    const ratioText = ratio !== null ? ` = ${fmt(ratio, 1)}×` : ' (the bare proxy added nothing measurable: the ratio is undefined)';
    judged.push({ target: p99Target, value: ratio, pass, text: `${p99Target}: NexusAI ${ms(nexusAdded)} ms vs bare proxy ${ms(proxyAdded)} ms${ratioText} — target ≤ 2×: ${verdict(pass)}` });
  } else judged.push({ target: p99Target, value: null, pass: false, text: `${p99Target}: not measured (needs all three targets and the 500 req/s phase)` });
  const maxTarget = 'max throughput vs bare proxy';
  const [pMax, nMax, dMax] = [atMax(proxy), atMax(nexus), atMax(direct)];
  if (pMax && nMax) {
    const ratio = nMax.throughput / pMax.throughput;
    const directNote = dMax ? `; upstream directly ${fmt(dMax.throughput)} req/s` : '';
    judged.push({
      target: maxTarget,
      value: ratio,
      pass: ratio >= 0.5,
      text: `max throughput: NexusAI ${fmt(nMax.throughput)} req/s vs bare proxy ${fmt(pMax.throughput)} req/s = ${fmt(ratio * 100)}%${directNote} — target ≥ 50%: ${verdict(ratio >= 0.5)}`,
    });
  } else judged.push({ target: maxTarget, value: null, pass: false, text: 'max throughput ratio: not measured (needs the bare proxy and NexusAI)' });
  return judged;
}

/** The three targets of the issue, each with PASS/MISS; lines say what could not be judged. */
export function summary(results: Results, rates: readonly number[]): string[] {
  return judge(results, rates).map(({ text }) => text);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const figure = (target: string, value: number): string => (target.startsWith('max throughput') ? `${fmt(value * 100)}%` : target.startsWith('added p99') ? `${fmt(value, 1)}×` : `${ms(value)} ms`);

/**
 * Several rounds of one run (BENCH_ROUNDS), each target measured once per round: a markdown
 * table of every target's figure per round and its median, with the median's verdict and how
 * many rounds met it. Adjacent measurements of the targets share the machine's mood of the
 * moment, so the per-round figures and their median say more than one round on a noisy VM.
 */
export function roundsTable(rounds: readonly (readonly Judged[])[]): string[] {
  const targets = [...new Set(rounds.flatMap((round) => round.map(({ target }) => target)))];
  const lines = [`| target | ${rounds.map((_, index) => `round ${index + 1}`).join(' | ')} | median | rounds met |`, `|---|${rounds.map(() => '---|').join('')}---|---|`];
  for (const target of targets) {
    const own = rounds.map((round) => round.find((judged) => judged.target === target));
    const values = own.flatMap((judged) => (judged?.value === null || judged === undefined ? [] : [judged.value]));
    const cells = own.map((judged) => (judged?.value === null || judged === undefined ? '–' : `${figure(target, judged.value)} ${verdict(judged.pass)}`));
    const middle = values.length === 0 ? '–' : figure(target, median(values));
    lines.push(`| ${target} | ${cells.join(' | ')} | ${middle} | ${own.filter((judged) => judged?.pass === true).length} of ${rounds.length} |`);
  }
  return lines;
}

/** One figure of the baseline comparison: how it reads, and whether a higher value is the better one. */
interface Compared {
  readonly name: string;
  readonly of: (measured: readonly Measured[]) => number | undefined;
  readonly higherIsBetter: boolean;
  readonly show: (value: number) => string;
}

function comparedFigures(rates: readonly number[]): Compared[] {
  const rateFigures = rates.flatMap((rate): Compared[] => [
    { name: `p50 at ${fmt(rate)} req/s`, of: (m) => atRate(m, rate)?.latency.p50, higherIsBetter: false, show: (v) => `${ms(v)} ms` },
    { name: `p99 at ${fmt(rate)} req/s`, of: (m) => atRate(m, rate)?.latency.p99, higherIsBetter: false, show: (v) => `${ms(v)} ms` },
    {
      name: `CPU at ${fmt(rate)} req/s`,
      of: (m) => m.find(({ result }) => !isWarmUp(result) && result.phase.kind === 'rate' && result.phase.rate === rate)?.cpu?.target,
      higherIsBetter: false,
      show: (v) => `${fmt(v)}%`,
    },
  ]);
  return [{ name: 'max throughput', of: (m) => atMax(m)?.throughput, higherIsBetter: true, show: (v) => `${fmt(v)} req/s` }, ...rateFigures];
}

/**
 * BENCH_BASELINE: the working tree's NexusAI against the baseline revision's, figure by figure,
 * over the rounds of one run (each round measures both, one right after the other). A markdown
 * table: per round "baseline → working tree", the median change, and in how many rounds the
 * working tree was the better one. Empty when no round measured both.
 */
export function baselineTable(rounds: readonly Results[], rates: readonly number[]): string[] {
  const both = rounds.filter((results) => results.baseline !== undefined && results.nexus !== undefined);
  if (both.length === 0) return [];
  const lines = [`| figure | ${both.map((_, index) => `round ${index + 1}`).join(' | ')} | median change | working tree better |`, `|---|${both.map(() => '---|').join('')}---|---|`];
  for (const figureOf of comparedFigures(rates)) {
    const pairs = both.map(({ baseline, nexus }) => [figureOf.of(baseline ?? []), figureOf.of(nexus ?? [])] as const);
    const measured = pairs.filter((pair): pair is readonly [number, number] => pair[0] !== undefined && pair[1] !== undefined);
    if (measured.length === 0) continue;
    const cells = pairs.map(([before, after]) => (before === undefined || after === undefined ? '–' : `${figureOf.show(before)} → ${figureOf.show(after)}`));
    const changes = measured.filter(([before]) => before > 0).map(([before, after]) => (after - before) / before);
    const change = changes.length === 0 ? '–' : `${median(changes) >= 0 ? '+' : ''}${fmt(median(changes) * 100, 1)}%`;
    const better = measured.filter(([before, after]) => (figureOf.higherIsBetter ? after > before : after < before)).length;
    lines.push(`| ${figureOf.name} | ${cells.join(' | ')} | ${change} | ${better} of ${measured.length} |`);
  }
  return lines;
}
