import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { WrongExpectedRevisionError } from '../../domain/shared/errors.js';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { waitFor } from '../support/wait.js';
import { eventStoreContract } from './event-store.contract.js';
import { freshStreamId, someEvents } from './fixtures/events.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const crashFixture = fileURLToPath(new URL('./fixtures/append-until-killed.ts', import.meta.url));

/** A temp directory per store, removed by cleanup. */
function tempDbPath(): { path: string; removeDir(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'nexus-es-'));
  return { path: join(dir, 'events.db'), removeDir: () => rmSync(dir, { recursive: true, force: true }) };
}

eventStoreContract('SQLite file', async () => {
  const temp = tempDbPath();
  const store = await SqliteEventStore.open({ path: temp.path });
  return {
    store,
    cleanup: async () => {
      await store.close();
      temp.removeDir();
    },
  };
});

eventStoreContract('SQLite :memory:', async () => {
  const store = await SqliteEventStore.open({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

/** A subscription from the start to the 'wanted' category, noting the streams delivered and the checkpoints reported. */
function followWanted(store: SqliteEventStore) {
  const delivered: string[] = [];
  const checkpoints: number[] = [];
  const subscription = store.subscribeToAll({
    after: 0,
    filter: { categories: ['wanted'] },
    onEvents: (batch) => {
      delivered.push(...batch.map((event) => event.streamId));
    },
    onCheckpoint: (position) => {
      checkpoints.push(position);
    },
  });
  return { delivered, checkpoints, subscription };
}

describe('SqliteEventStore (engine-specific)', function () {
  it("a filtered subscription skips this process's unwanted commits without missing another process's wanted ones", async function () {
    const temp = tempDbPath();
    const local = await SqliteEventStore.open({ path: temp.path, pollIntervalMs: 20 });
    // Another process sharing the file: its commits are never announced to this one.
    const foreign = await SqliteEventStore.open({ path: temp.path, pollIntervalMs: 20, shareCommits: false });
    try {
      const { delivered, checkpoints, subscription } = followWanted(local);
      const expected: string[] = [];
      for (let round = 0; round < 20; round++) {
        await local.appendToStream(freshStreamId('unwanted'), someEvents(2), 'no_stream');
        if (round % 3 === 0) {
          const streamId = freshStreamId('wanted');
          await foreign.appendToStream(streamId, someEvents(1), 'no_stream');
          expected.push(streamId);
        }
        if (round % 5 === 0) {
          const streamId = freshStreamId('wanted');
          await local.appendToStream(streamId, someEvents(1), 'no_stream');
          expected.push(streamId);
        }
      }
      const head = await local.headPosition();
      await waitFor(() => delivered.length === expected.length && checkpoints.some((position) => position >= head), { description: 'every wanted event, and a checkpoint at the head' });
      expect(delivered).to.deep.equal(expected);
      await subscription.stop();
    } finally {
      await foreign.close();
      await local.close();
      temp.removeDir();
    }
  });

  let temp: ReturnType<typeof tempDbPath>;
  const opened: SqliteEventStore[] = [];

  async function open(
    options: { fsync?: boolean; pollIntervalMs?: number; shareCommits?: boolean; checkpoints?: 'background' | 'shared' | 'automatic'; coalesceNotices?: { categories: string[]; withinMs: number } } = {},
  ): Promise<SqliteEventStore> {
    const store = await SqliteEventStore.open({ path: temp.path, ...options });
    opened.push(store);
    return store;
  }

  beforeEach(function () {
    temp = tempDbPath();
  });

  afterEach(async function () {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    temp.removeDir();
  });

  it('uses WAL with synchronous=NORMAL by default, and synchronous=FULL with fsync: true', async function () {
    expect((await open()).settings()).to.include({ journalMode: 'wal', synchronous: 1 });
    expect((await open({ fsync: true })).settings()).to.include({ journalMode: 'wal', synchronous: 2 });
  });

  it("never checkpoints inside its own commits unless told to: a second connection ('shared') keeps the backstop threshold", async function () {
    const background = await open();
    const shared = await open({ checkpoints: 'shared' });
    const automatic = await open({ checkpoints: 'automatic' });
    expect(background.settings().walAutocheckpointFrames).to.equal(16_384);
    expect(shared.settings().walAutocheckpointFrames).to.equal(16_384);
    expect(automatic.settings().walAutocheckpointFrames).to.equal(1_000);
  });

  it('starts empty at head position 0 and numbers positions from 1', async function () {
    const store = await open();
    expect(await store.headPosition()).to.equal(0);
    expect(await store.appendToStream(freshStreamId(), someEvents(2), 'no_stream')).to.deep.equal({ nextExpectedRevision: 1, position: 2 });
  });

  it('keeps a tamperable, documented events table', async function () {
    await open();
    const db = new Database(temp.path, { readonly: true });
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')").all().map((row) => row.name);
    db.close();
    expect(columns).to.include.members(['position', 'stream_id', 'revision', 'event_id', 'type', 'data', 'metadata', 'recorded_at']);
  });

  it('writes concurrent appends in fewer transactions (group commit), each checked on its own', async function () {
    const store = await open();
    const streams = Array.from({ length: 50 }, () => freshStreamId());
    const before = store.stats;
    const outcomes = await Promise.allSettled([
      ...streams.map((streamId) => store.appendToStream(streamId, someEvents(2), 'no_stream')),
      store.appendToStream(streams[0]!, someEvents(1), 'no_stream'), // loses to the first append of its group
    ]);
    const after = store.stats;

    expect(outcomes.slice(0, 50).every((outcome) => outcome.status === 'fulfilled')).to.equal(true);
    const loser = outcomes[50];
    expect(loser?.status === 'rejected' && loser.reason).to.be.instanceOf(WrongExpectedRevisionError);
    expect(after.appends - before.appends).to.equal(51);
    expect(after.transactions - before.transactions).to.be.lessThan(51).and.at.least(1);
    expect(after.eventsWritten - before.eventsWritten).to.equal(100);
    expect(after.largestGroup).to.be.greaterThan(1);
    expect(await store.readStream(streams[0]!)).to.have.length(2);
  });

  it('rolls back the whole group, and rejects all of it, when the engine fails mid-group', async function () {
    const store = await open();
    const [healthy, doomed] = [freshStreamId(), freshStreamId()];
    const db = new Database(temp.path);
    db.exec(`CREATE TRIGGER fail_insert BEFORE INSERT ON events WHEN NEW.stream_id = '${doomed}' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    db.close();

    const outcomes = await Promise.allSettled([
      store.appendToStream(healthy, someEvents(2), 'no_stream'),
      store.appendToStream(doomed, someEvents(1), 'no_stream'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected']);
    expect(await store.readStream(healthy)).to.deep.equal([]);
    expect(await store.headPosition()).to.equal(0);
  });

  it('close() commits the appends already issued', async function () {
    const store = await SqliteEventStore.open({ path: temp.path });
    const streamId = freshStreamId();
    const pending = store.appendToStream(streamId, someEvents(3), 'no_stream');
    await store.close();
    expect(await pending).to.include({ nextExpectedRevision: 2 });

    const reopened = await open();
    expect(await reopened.readStream(streamId)).to.have.length(3);
    expect(await reopened.appendToStream(freshStreamId(), someEvents(1), 'no_stream')).to.include({ position: 4 });
  });

  it('a live subscription picks up commits made through another connection (polling fallback)', async function () {
    const writer = await open({ shareCommits: false }); // stands in for another process
    const reader = await open({ pollIntervalMs: 50 });
    const streamId = freshStreamId();
    const received: string[] = [];
    const subscription = reader.subscribeToAll({
      after: 0,
      onEvents: (batch) => {
        received.push(...batch.filter((event) => event.streamId === streamId).map((event) => event.eventId));
      },
    });
    try {
      await writer.appendToStream(streamId, someEvents(2), 'no_stream');
      await waitFor(() => received.length === 2, { description: 'events written by the other connection' });
    } finally {
      await subscription.stop();
    }
  });

  it("is woken at once by another store's commits on the same file in this process (a writer thread), and skips their unwanted categories", async function () {
    const writer = await open(); // what a worker thread opens: another connection, same process
    const reader = await open({ pollIntervalMs: 60_000 }); // a poll would never come within the test
    const wanted = freshStreamId('wanted');
    const { delivered, checkpoints, subscription } = followWanted(reader);
    try {
      await writer.appendToStream(freshStreamId('unwanted'), someEvents(3), 'no_stream');
      const unwantedHead = await writer.headPosition();
      await waitFor(() => checkpoints.includes(unwantedHead), { description: 'a checkpoint past the unwanted commit', timeoutMs: 2_000 });
      await writer.appendToStream(wanted, someEvents(1), 'no_stream');
      await waitFor(() => delivered.length === 1, { description: "the writer's wanted event, long before a poll", timeoutMs: 2_000 });
      expect(delivered).to.deep.equal([wanted]);
    } finally {
      await subscription.stop();
    }
  });

  it('sends the notices of coalesced categories to the other threads at most once per window (the first after a quiet one at once), and any other commit at once after them', async function () {
    const writer = await open({ coalesceNotices: { categories: ['usage'], withinMs: 300 } });
    // What another thread's store hears on the file's channel: one array of notices per message.
    const heard: Array<ReadonlyArray<{ first: number; last: number; categories: string[] }>> = [];
    const channel = new BroadcastChannel(`nexus:sqlite-event-store:${resolve(temp.path)}`);
    channel.onmessage = (event: unknown) => void heard.push((event as { data: (typeof heard)[number] }).data);
    try {
      const started = Date.now();
      for (let i = 0; i < 3; i++) await writer.appendToStream(freshStreamId('usage'), someEvents(1), 'no_stream');
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      expect(heard.map((message) => message.map((notice) => notice.first)), 'the first notice after a quiet window goes at once; the next two are held').to.deep.equal([[1]]);
      await waitFor(() => heard.length === 2, { description: 'the held usage notices, in one message', timeoutMs: 2_000 });
      expect(Date.now() - started).to.be.at.least(250);
      expect(heard[1]?.map((notice) => [notice.first, notice.categories])).to.deep.equal([[2, ['usage']], [3, ['usage']]]);

      const sent = Date.now();
      await writer.appendToStream(freshStreamId('usage'), someEvents(1), 'no_stream');
      await writer.appendToStream(freshStreamId('tenant'), someEvents(2), 'no_stream');
      await waitFor(() => heard.length === 3, { description: 'the control-plane notice, with the usage one held before it', timeoutMs: 2_000 });
      expect(Date.now() - sent, 'sent at once, not after the usage delay').to.be.below(250);
      expect(heard[2]?.map((notice) => [notice.first, notice.last, notice.categories])).to.deep.equal([[4, 4, ['usage']], [5, 6, ['tenant']]]);
    } finally {
      channel.close();
    }
  });

  it('lets the writer that awaited a commit carry on before its subscriptions hear of it', async function () {
    const store = await open({ pollIntervalMs: 60_000 });
    const streamId = freshStreamId();
    const order: string[] = [];
    let caughtUp = false;
    const subscription = store.subscribeToAll({
      after: 0,
      onCaughtUp: () => (caughtUp = true),
      onEvents: (batch) => {
        if (batch.some((event) => event.streamId === streamId)) order.push('subscription');
      },
    });
    try {
      await waitFor(() => caughtUp, { description: 'the subscription waiting for commits' });
      // What a request does after its usage event commits: a few more awaits, then its answer.
      const writer = store.appendToStream(streamId, someEvents(1), 'no_stream').then(async () => {
        for (let hop = 0; hop < 20; hop++) await Promise.resolve();
        order.push('writer');
      });
      await writer;
      await waitFor(() => order.length === 2, { description: 'the subscription delivering the event' });
      expect(order).to.deep.equal(['writer', 'subscription']);
    } finally {
      await subscription.stop();
    }
  });

  it('keeps every acknowledged append when the writing process is killed with SIGKILL', async function () {
    this.timeout(60_000);
    const acknowledged = await runAndKill(temp.path, 400);

    const store = await open();
    const stored = new Map((await store.readAll()).map((event) => [event.eventId, event]));
    for (const ack of acknowledged) {
      const last = stored.get(ack.eventIds[ack.eventIds.length - 1]!);
      expect(last?.position, `acknowledged append at ${ack.position}`).to.equal(ack.position);
      for (const eventId of ack.eventIds) expect(stored.get(eventId)?.streamId).to.equal(ack.streamId);
    }
    for (const streamId of new Set(acknowledged.map((ack) => ack.streamId))) {
      const revisions = (await store.readStream(streamId)).map((event) => event.revision);
      expect(revisions).to.deep.equal(revisions.map((_, index) => index));
    }
  });
});

interface Acknowledged {
  readonly streamId: string;
  readonly position: number;
  readonly eventIds: string[];
}

/** Runs the crash fixture until it has acknowledged `acks` appends, then SIGKILLs it. */
function runAndKill(path: string, acks: number): Promise<Acknowledged[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', crashFixture, path], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: Acknowledged[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (buffered + chunk.toString()).split('\n');
      buffered = lines.pop() ?? ''; // a line cut by the kill is not an acknowledgement we saw
      for (const line of lines) acknowledged.push(JSON.parse(line) as Acknowledged);
      if (acknowledged.length >= acks && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    // 'close' (not 'exit'): lines the child wrote before dying are still read from the pipe.
    child.on('close', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`crash fixture exited on its own (${signal ?? _code}): ${stderr}`));
    });
  });
}
