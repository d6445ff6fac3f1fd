/**
 * Who used the CPU during a phase: each of the benchmark's processes, and everything else on
 * the machine (other work on a shared VM), from /proc (Linux; elsewhere there are no figures).
 * Shares are in percent of one core, so on 2 cores the total can reach 200%.
 */
import { readFileSync } from 'node:fs';

export interface CpuSample {
  readonly totalTicks: number;
  readonly busyTicks: number;
  readonly cores: number;
  readonly byRole: Readonly<Record<string, number>>;
}

/** Percent of one core per role, plus `other` (the rest of the machine). */
export type CpuShares = Readonly<Record<string, number>>;

function systemTicks(): { total: number; busy: number; cores: number } {
  const stat = readFileSync('/proc/stat', 'utf8').split('\n');
  const fields = (stat[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { total, busy: total - idle, cores: stat.filter((line) => /^cpu\d+ /.test(line)).length };
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
  } catch {
    return 0; // exited
  }
}

export function sampleCpu(roles: Readonly<Record<string, number | undefined>>): CpuSample | null {
  if (process.platform !== 'linux') return null;
  try {
    const system = systemTicks();
    const byRole: Record<string, number> = {};
    for (const [role, pid] of Object.entries(roles)) if (pid !== undefined) byRole[role] = processTicks(pid);
    return { totalTicks: system.total, busyTicks: system.busy, cores: system.cores, byRole };
  } catch {
    return null;
  }
}

export function cpuShares(before: CpuSample | null, after: CpuSample | null): CpuShares | null {
  if (before === null || after === null) return null;
  const elapsedTicks = (after.totalTicks - before.totalTicks) / Math.max(1, after.cores);
  if (elapsedTicks <= 0) return null;
  const shares: Record<string, number> = {};
  let ours = 0;
  for (const [role, ticks] of Object.entries(after.byRole)) {
    const used = ticks - (before.byRole[role] ?? ticks);
    ours += used;
    shares[role] = (used / elapsedTicks) * 100;
  }
  shares.other = Math.max(0, (after.busyTicks - before.busyTicks - ours) / elapsedTicks) * 100;
  return shares;
}

/**
 * Waits until `pid` uses less than `idleShare` of a core over `windowMs` (so a target's
 * background work from one phase, e.g. projections catching up, does not land in the next),
 * for at most `timeoutMs`. Resolves to how long it waited and whether the process settled.
 */
export async function waitUntilIdle(pid: number, options: { idleShare?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<{ waitedMs: number; settled: boolean }> {
  const { idleShare = 0.1, windowMs = 250, timeoutMs = 20_000 } = options;
  const started = Date.now();
  if (process.platform !== 'linux') return { waitedMs: 0, settled: true };
  for (;;) {
    const before = { system: systemTicks(), own: processTicks(pid) };
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const system = systemTicks();
    const elapsedTicks = (system.total - before.system.total) / Math.max(1, system.cores);
    const share = elapsedTicks <= 0 ? 0 : (processTicks(pid) - before.own) / elapsedTicks;
    if (share < idleShare) return { waitedMs: Date.now() - started, settled: true };
    if (Date.now() - started > timeoutMs) return { waitedMs: Date.now() - started, settled: false };
  }
}
