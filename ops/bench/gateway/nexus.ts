/**
 * NexusAI as a benchmark target: started in its own process the way `npm start` starts it
 * (the compiled build of ops/build.ts with npm start's node flags, or BENCH_NEXUS_FLAGS instead;
 * embedded engines in a temporary data dir), then configured over
 * its admin API with one tenant, an inference key, a deployment of the alias `bench` on the
 * fast upstream, a monthly blocking budget and, where the endpoints exist, generous limits.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { buildServer } from '../../build.js';
import { entryIn, startCommand } from '../../start-command.js';
import type { Processes } from './processes.js';
import { REPO_ROOT } from './processes.js';
import { BENCH_MODEL, CHAT_PATH, CHAT_REQUEST } from './protocol.js';

export interface NexusTarget {
  readonly child: ChildProcess;
  readonly origin: string;
  readonly apiKey: string;
  /** What was configured, line by line, for the report (which parts of the pipeline were on). */
  readonly setup: readonly string[];
  /** The budget after the run, for the report: whether the pipeline charged it. */
  budgetAfterRun(): Promise<string>;
  /** What NexusAI logged after start-up (warnings, errors): message → count. */
  readonly logs: ReadonlyMap<string, number>;
  /** Rebuilds a projection through the admin API; resolves when the rebuild has switched over. */
  rebuild(projection: string): Promise<void>;
}

const TENANT = 'bench';
const BUDGET = 'monthly';
const DEPLOYMENT = 'bench-upstream';
/** Limits far above anything the benchmark sends: the checks run, none refuses. */
const GENEROUS_LIMITS = { requestsPerMinute: 10_000_000, tokensPerMinute: 1_000_000_000, maxConcurrent: 10_000 };

interface AdminResponse {
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** Starts the process and resolves once it prints the line `npm start` prints when it listens. */
/** A log line as "msg: error message", with quoted ids blanked so repeats of one problem count together. */
function logKey(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; err?: { message?: unknown } };
    const text = `${String(entry.msg ?? '')}${entry.err?.message === undefined ? '' : `: ${String(entry.err.message)}`}`;
    return text.replace(/'[^']*'/g, "'…'").slice(0, 300);
  } catch {
    return line.slice(0, 300);
  }
}

/** npm start's node flags, or BENCH_NEXUS_FLAGS instead when it is set (empty: none), for experiments. */
function nodeFlags(): readonly string[] {
  const override = process.env.BENCH_NEXUS_FLAGS;
  return override === undefined ? startCommand().nodeFlags : override.split(' ').filter((flag) => flag !== '');
}

async function startProcess(
  processes: Processes,
  options: { cpuProfileDir: string | null; adminToken: string; build: NexusBuild },
): Promise<{ child: ChildProcess; origin: string; logs: Map<string, number> }> {
  const dataDir = processes.tempDir('nexus-gateway-bench-');
  const profile = options.cpuProfileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  const build = processes.buildDir(`bench-${options.build.name}`);
  await buildServer(build, options.build.sourceRoot);
  // `node <flags> <build>/api/main.js` is what `npm start` runs, minus npm's parent process (so signals and --cpu-prof
  // reach it); exit-with-parent.mjs only stops it if the benchmark dies first.
  const child = processes.spawn(process.execPath, [...profile, ...nodeFlags(), '--import', './ops/bench/gateway/exit-with-parent.mjs', entryIn(build)], {
    cwd: REPO_ROOT,
    env: { ...process.env, NEXUS_HOST: '127.0.0.1', NEXUS_PORT: '0', NEXUS_DATA_DIR: dataDir, NEXUS_ADMIN_TOKEN: options.adminToken, NEXUS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logs = new Map<string, number>();
  const keep = (line: string) => {
    if (line.trim() === '') return;
    const key = logKey(line);
    logs.set(key, (logs.get(key) ?? 0) + 1);
  };
  if (child.stderr) createInterface({ input: child.stderr }).on('line', keep);
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('NexusAI did not start listening within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`NexusAI exited (code ${code}) before listening: ${[...logs.keys()].slice(0, 6).join(' | ')}`)));
    if (!child.stdout) return reject(new Error('NexusAI has no stdout'));
    let listening = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /NexusAI is listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1] !== undefined && !listening) {
        listening = true;
        clearTimeout(timer);
        resolve(match[1]);
      } else if (listening && line.startsWith('{')) keep(line); // pino's JSON lines; the rest is the start-up banner
    });
  });
  return { child, origin, logs };
}

/** Which code to build: the working tree (the default), or another revision's exported sources (baseline.ts). */
export interface NexusBuild {
  /** Names the build folder and the process line of the setup. */
  readonly name: string;
  /** The tree ops/build.ts compiles; undefined: this repository's working tree. */
  readonly sourceRoot?: string;
}

const WORKING_TREE: NexusBuild = { name: 'nexus' };

export async function startNexus(processes: Processes, options: { upstreamOrigin: string; cpuProfileDir: string | null; build?: NexusBuild }): Promise<NexusTarget> {
  const adminToken = `bench-admin-${randomBytes(24).toString('hex')}`;
  const build = options.build ?? WORKING_TREE;
  const { child, origin, logs } = await startProcess(processes, { cpuProfileDir: options.cpuProfileDir, adminToken, build });
  const call = async (method: string, path: string, body?: unknown): Promise<AdminResponse> => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    return { status: response.status, text, json };
  };
  const must = async (method: string, path: string, body: unknown): Promise<AdminResponse> => {
    const response = await call(method, path, body);
    if (response.status < 200 || response.status >= 300) throw new Error(`NexusAI setup: ${method} ${path} answered ${response.status}: ${response.text.slice(0, 500)}`);
    return response;
  };

  const built = build.sourceRoot === undefined ? '<compiled build>' : `<compiled build of ${build.name}>`;
  const setup: string[] = [`process: node ${[...nodeFlags(), `${built}/api/main.js`].join(' ')}`];
  await must('POST', '/admin/tenants', { tenantId: TENANT, name: 'Gateway benchmark', dataRegion: 'eu' });
  const issued = await must('POST', `/admin/tenants/${TENANT}/api-keys`, { name: 'gateway benchmark', scopes: ['inference'] });
  const apiKey = String(issued.json.key);
  const keyId = String((issued.json.apiKey as { keyId?: unknown } | null)?.keyId);
  setup.push(`tenant '${TENANT}', API key ${keyId} (scope inference)`);
  // The adapter posts to `${baseUrl}/chat/completions`, so the base URL ends in /v1 as OpenAI's does.
  const baseUrl = `${options.upstreamOrigin}/v1`;
  await must('POST', '/admin/deployments', {
    deploymentId: DEPLOYMENT, provider: 'openai-compatible', upstreamModel: 'bench-upstream', modelAlias: BENCH_MODEL, region: 'eu', baseUrl, weight: 100,
    inputPricePerMTokMicros: 150_000, outputPricePerMTokMicros: 600_000, currency: 'USD',
  });
  setup.push(`deployment '${DEPLOYMENT}': openai-compatible, alias '${BENCH_MODEL}', ${baseUrl}, weight 100`);
  await must('PUT', `/admin/tenants/${TENANT}/budgets/${BUDGET}`, { period: 'month', limitMicros: 1e15, currency: 'USD', action: 'block' });
  setup.push(`budget '${BUDGET}': month, block, limit 10^15 micros`);
  setup.push(process.env.NEXUS_REDIS_URL ? `counters: Redis (${process.env.NEXUS_REDIS_URL})` : 'counters: in process (NEXUS_REDIS_URL not set, as `npm start` by default)');
  for (const [label, path] of [
    ['tenant limits', `/admin/tenants/${TENANT}/limits`],
    ['key limits', `/admin/tenants/${TENANT}/api-keys/${keyId}/limits`],
  ] as const) {
    // These endpoints are being added; without them the benchmark still runs, and says so.
    const response = await call('PUT', path, GENEROUS_LIMITS);
    setup.push(
      response.status >= 200 && response.status < 300
        ? `${label}: set (${JSON.stringify(GENEROUS_LIMITS)})`
        : response.status === 404 || response.status === 405
          ? `${label}: NOT set (PUT ${path.replace(keyId, ':keyId')} answered ${response.status}: the endpoint does not exist yet)`
          : `${label}: NOT set (PUT answered ${response.status}: ${response.text.slice(0, 200)})`,
    );
  }

  // One request through the whole pipeline, and its durable usage event, before any load.
  const smoke = await fetch(`${origin}${CHAT_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: CHAT_REQUEST });
  const answer = (await smoke.json()) as { choices?: unknown[] };
  if (smoke.status !== 200 || !Array.isArray(answer.choices)) throw new Error(`NexusAI smoke request answered ${smoke.status}: ${JSON.stringify(answer).slice(0, 500)}`);
  const requestId = smoke.headers.get('x-request-id');
  const recorded = await call('GET', `/admin/audit/streams/inference-${TENANT}.${requestId}`);
  const events = (recorded.json.events ?? []) as Array<{ type?: string }>;
  setup.push(`usage event of a smoke request: ${events.map((event) => event.type).join(', ') || `none found (${recorded.status})`}`);

  const rebuild = async (projection: string): Promise<void> => {
    await must('POST', `/admin/projections/${projection}/rebuild`, undefined);
  };
  return {
    rebuild,
    child,
    origin,
    apiKey,
    setup,
    logs,
    async budgetAfterRun() {
      const budget = await call('GET', `/admin/tenants/${TENANT}/budgets/${BUDGET}`);
      const spent = (budget.json.spentMicros ?? (budget.json.budget as { spentMicros?: unknown } | undefined)?.spentMicros) as number | undefined;
      return budget.status === 200 ? `budget '${BUDGET}' spent after the run: ${spent ?? '?'} micros` : `budget '${BUDGET}': GET answered ${budget.status}`;
    },
  };
}
