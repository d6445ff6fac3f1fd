/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and ranks self time by function and by area
 * (a folder of this repository, an npm package, a Node.js core module, or V8's own buckets:
 * GC, program, idle), over the samples taken inside a time window (the load phases).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './processes.js';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Ranked {
  readonly name: string;
  readonly ms: number;
  /** Share of the busy (non-idle) time in the window. */
  readonly share: number;
}

export interface ProfileSummary {
  readonly windowMs: number;
  readonly busyMs: number;
  readonly functions: readonly Ranked[];
  readonly areas: readonly Ranked[];
}

const V8_BUCKETS = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** A compiled build's folder (.build/<name>/ or dist/): its modules are named by their place in the sources (api/v1/chat.js). */
const BUILD_FOLDER = /^(\.build\/[^/]+|dist)\//;

function fileOf(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = fileURLToPath(url);
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path).replace(BUILD_FOLDER, '') : path;
}

function areaOf(frame: CallFrame): string {
  if (V8_BUCKETS.has(frame.functionName)) return frame.functionName;
  if (frame.url === '') return '(native: V8 builtins, bindings)';
  if (frame.url.startsWith('node:')) return frame.url.split('/').slice(0, 2).join('/');
  const file = fileOf(frame.url);
  const modules = file.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const parts = file.slice(modules + 'node_modules/'.length).split('/');
    return `npm: ${parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  return file.split('/').slice(0, 2).join('/');
}

function nameOf(frame: CallFrame): string {
  if (V8_BUCKETS.has(frame.functionName) || frame.url === '') return frame.functionName || '(anonymous)';
  // Code compiled by tsx reports line 0 (its positions are in the generated module): the file is what locates it. The
  // compiled build's lines are those of its .js modules, close to the sources' but not always the same.
  return `${frame.functionName || '(anonymous)'} ${fileOf(frame.url)}${frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''}`;
}

function rank(totals: Map<string, number>, busyMs: number, limit: number): Ranked[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, micros]) => ({ name, ms: micros / 1000, share: busyMs === 0 ? 0 : micros / 1000 / busyMs }));
}

/** `window` in microseconds of the monotonic clock (process.hrtime, which V8's profile timestamps share on Linux); null = all samples. */
export function summarizeProfile(file: string, window: { from: number; to: number } | null, limit = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let at = profile.startTime;
  let windowMicros = 0;
  let idleMicros = 0;
  profile.samples.forEach((nodeId, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (window !== null && (at < window.from || at > window.to)) return;
    const frame = frames.get(nodeId);
    if (!frame) return;
    windowMicros += delta;
    if (frame.functionName === '(idle)') idleMicros += delta;
    byFunction.set(nameOf(frame), (byFunction.get(nameOf(frame)) ?? 0) + delta);
    byArea.set(areaOf(frame), (byArea.get(areaOf(frame)) ?? 0) + delta);
  });
  if (window !== null && windowMicros === 0) return summarizeProfile(file, null, limit); // clocks did not line up: the whole profile
  byFunction.delete('(idle)');
  byArea.delete('(idle)');
  const busyMs = (windowMicros - idleMicros) / 1000;
  return { windowMs: windowMicros / 1000, busyMs, functions: rank(byFunction, busyMs, limit), areas: rank(byArea, busyMs, limit) };
}
