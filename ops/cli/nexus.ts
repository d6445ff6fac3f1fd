#!/usr/bin/env -S npx tsx
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `nexus` — the operator's CLI. A thin client of the admin API, so it works the same
 * against an embedded development server and a production cluster:
 *
 *   nexus projections status
 *   nexus projections rebuild <name>|--all
 *   nexus projections dead-letters <name>
 *   nexus audit verify --stream <streamId> | --tenant <tenantId>
 *   nexus audit state <streamId> (--at <ISO time> | --position <n>)
 *   nexus audit events <streamId>
 *
 * Reads NEXUS_URL (default http://127.0.0.1:8080) and NEXUS_ADMIN_TOKEN (default: the
 * token file in NEXUS_DATA_DIR or ./.nexus). Exit codes: 0 ok, 1 error, 2 a verification
 * found a broken hash chain.
 */
const USAGE = `usage:
  nexus projections status
  nexus projections rebuild <name> | --all
  nexus projections dead-letters <name>
  nexus audit verify --stream <streamId> | --tenant <tenantId>
  nexus audit state <streamId> (--at <ISO time> | --position <n>)
  nexus audit events <streamId>
options: --json (raw JSON output), --url <base URL>`;

interface Client {
  get(path: string): Promise<Record<string, unknown>>;
  post(path: string): Promise<Record<string, unknown>>;
}

function adminToken(): string {
  if (process.env.NEXUS_ADMIN_TOKEN) return process.env.NEXUS_ADMIN_TOKEN;
  const file = join(process.env.NEXUS_DATA_DIR ?? '.nexus', 'admin-token');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(`no admin token: set NEXUS_ADMIN_TOKEN or start the server once to create ${file}`);
  }
}

function client(baseUrl: string): Client {
  const call = async (method: string, path: string) => {
    const response = await fetch(new URL(path, baseUrl), { method, headers: { authorization: `Bearer ${adminToken()}` } });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${String(body.detail ?? JSON.stringify(body))}`);
    return body;
  };
  return { get: (path) => call('GET', path), post: (path) => call('POST', path) };
}

const enc = encodeURIComponent;
type Printer = (value: Record<string, unknown>, human: () => string) => void;

async function projections(api: Client, args: string[], all: boolean, print: Printer): Promise<number> {
  const [action, name] = args;
  if (action === 'status') {
    const body = await api.get('/admin/projections');
    const rows = body.projections as Array<Record<string, unknown>>;
    print(body, () => rows.map((p) => `${String(p.name).padEnd(16)} v${p.version}  checkpoint ${p.checkpoint}/${p.head}  lag ${p.lag}  dead letters ${p.deadLetters}  ${p.state}`).join('\n'));
    return 0;
  }
  if (action === 'rebuild') {
    const names = all ? ((await api.get('/admin/projections')).projections as Array<{ name: string }>).map((p) => p.name) : [name];
    if (!names[0]) throw new Error('rebuild needs a projection name or --all');
    for (const projection of names) {
      const body = await api.post(`/admin/projections/${enc(projection)}/rebuild`);
      print(body, () => `${projection}: rebuilt as v${body.version}, caught up at ${body.checkpoint}`);
    }
    return 0;
  }
  if (action === 'dead-letters' && name) {
    const body = await api.get(`/admin/projections/${enc(name)}/dead-letters`);
    const rows = body.deadLetters as Array<Record<string, unknown>>;
    print(body, () => (rows.length === 0 ? 'no dead letters' : rows.map((d) => `#${d.position} ${d.streamId} ${d.eventType}: ${d.error}`).join('\n')));
    return 0;
  }
  throw new Error(USAGE);
}

async function audit(api: Client, args: string[], flags: { stream?: string; tenant?: string; at?: string; position?: string }, print: Printer): Promise<number> {
  const [action, streamId] = args;
  if (action === 'verify') {
    const path = flags.stream ? `/admin/audit/streams/${enc(flags.stream)}/verify` : flags.tenant ? `/admin/tenants/${enc(flags.tenant)}/audit/verify` : null;
    if (!path) throw new Error('verify needs --stream <streamId> or --tenant <tenantId>');
    const body = await api.get(path);
    const broken = body.firstBrokenLink as Record<string, unknown> | null;
    print(body, () =>
      broken
        ? `BROKEN: ${broken.streamId} revision ${broken.revision} (position ${broken.position}, event ${broken.eventId}): ${broken.reason}`
        : `ok: ${body.eventsChecked} events in ${body.streamsChecked} stream(s) verify`,
    );
    return broken ? 2 : 0;
  }
  if (action === 'state' && streamId) {
    const query = new URLSearchParams();
    if (flags.at) query.set('at', flags.at);
    if (flags.position) query.set('position', flags.position);
    const body = await api.get(`/admin/audit/streams/${enc(streamId)}/state?${query}`);
    print(body, () => JSON.stringify(body, null, 2));
    return 0;
  }
  if (action === 'events' && streamId) {
    const body = await api.get(`/admin/audit/streams/${enc(streamId)}?limit=1000`);
    const rows = body.events as Array<Record<string, unknown>>;
    print(body, () => rows.map((e) => `${e.revision} @${e.position} ${e.type} ${(e.metadata as Record<string, unknown>).occurredAt} by ${(e.metadata as Record<string, unknown>).actor}`).join('\n'));
    return 0;
  }
  throw new Error(USAGE);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' }, all: { type: 'boolean' }, url: { type: 'string' },
      stream: { type: 'string' }, tenant: { type: 'string' }, at: { type: 'string' }, position: { type: 'string' },
    },
  });
  const api = client(values.url ?? process.env.NEXUS_URL ?? 'http://127.0.0.1:8080');
  const print: Printer = (value, human) => process.stdout.write(`${values.json ? JSON.stringify(value, null, 2) : human()}\n`);
  const [group, ...rest] = positionals;
  if (group === 'projections') return projections(api, rest, values.all === true, print);
  if (group === 'audit') return audit(api, rest, values, print);
  throw new Error(USAGE);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
