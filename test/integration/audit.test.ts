import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import { run as nexusCli } from '../../ops/cli/nexus.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { populatedTenant, type TenantFixture } from '../support/fixtures.js';

describe('audit: the event stream is the audit trail', () => {
  let app: TestApp;
  let fixture: TenantFixture;

  before(async () => {
    app = await startTestApp();
    fixture = await populatedTenant(app);
  });
  after(() => app.close());

  const policyStream = () => `policy-${fixture.tenantId}.${fixture.policyId}`;

  it("reads a stream's events with the full envelope", async () => {
    const response = await app.request('GET', `/admin/audit/streams/${policyStream()}`);
    expect(response.status).to.equal(200);
    const events = response.body.events as Array<{ type: string; metadata: Record<string, unknown> }>;
    expect(events.map((event) => event.type)).to.deep.equal(['PolicyCreated', 'PolicyVersionPublished', 'PolicyAttached', 'PolicyVersionPublished']);
    for (const field of ['tenantId', 'correlationId', 'causationId', 'actor', 'commandId', 'schemaVersion', 'occurredAt', 'prevHash', 'hash']) {
      expect(events[0].metadata, field).to.have.property(field);
    }
    expect(events[1].metadata.prevHash).to.equal(events[0].metadata.hash);
  });

  it('carries the caller correlation id into event metadata', async () => {
    await app.request('POST', `/admin/tenants/${fixture.tenantId}/data-region`, { body: { dataRegion: 'us' }, headers: { 'x-correlation-id': 'corr-audit-1' } });
    const response = await app.request('GET', `/admin/audit/streams/tenant-${fixture.tenantId}.${fixture.tenantId}?direction=backwards&limit=1`);
    const [last] = response.body.events as Array<{ type: string; metadata: Record<string, unknown> }>;
    expect(last.type).to.equal('TenantDataRegionSet');
    expect(last.metadata.correlationId).to.equal('corr-audit-1');
    expect(last.metadata.actor).to.equal('admin');
  });

  it("filters a tenant's audit timeline", async () => {
    const response = await app.request('GET', `/admin/tenants/${fixture.tenantId}/audit?category=policy&limit=2`);
    expect(response.status).to.equal(200);
    expect(response.body.items?.map((item) => item.type)).to.deep.equal(['PolicyCreated', 'PolicyVersionPublished']);
    const next = await app.request('GET', `/admin/tenants/${fixture.tenantId}/audit?category=policy&limit=2&cursor=${encodeURIComponent(String(response.body.nextCursor))}`);
    expect(next.body.items?.map((item) => item.type)).to.deep.equal(['PolicyAttached', 'PolicyVersionPublished']);
    expect(response.text + next.text).not.to.match(/keyHash/);
  });

  it('answers "which policy version applied at time T" by folding the stream', async () => {
    const events = (await app.request('GET', `/admin/audit/streams/${policyStream()}`)).body.events as Array<{ position: number }>;
    const atAttach = await app.request('GET', `/admin/audit/streams/${policyStream()}/state?position=${events[2].position}`);
    expect(atAttach.status).to.equal(200);
    const state = atAttach.body.state as { status: string; versions: Array<{ rules: { maxTokens: number } }> };
    expect(state.status).to.equal('attached');
    expect(state.versions).to.have.length(1);
    expect(state.versions[0].rules.maxTokens).to.equal(4096);
    const now = await app.request('GET', `/admin/audit/streams/${policyStream()}/state?at=${new Date(Date.now() + 60_000).toISOString()}`);
    expect((now.body.state as { versions: unknown[] }).versions).to.have.length(2);
    const before = await app.request('GET', `/admin/audit/streams/${policyStream()}/state?at=2000-01-01T00:00:00Z`);
    expect(before.body.state).to.deep.equal({ status: 'none' });
  });

  it('verifies intact chains, and reports a tampered event at exactly that event', async () => {
    const intact = await app.request('GET', `/admin/tenants/${fixture.tenantId}/audit/verify`);
    expect(intact.body.ok).to.equal(true);
    expect(intact.body.eventsChecked as number).to.be.greaterThan(8);

    const events = (await app.request('GET', `/admin/audit/streams/${policyStream()}`)).body.events as Array<{ position: number; eventId: string }>;
    const target = events[1];
    const db = new Database(join(app.dataDir, 'events.db'));
    db.prepare("UPDATE events SET data = json_set(data, '$.rules.maxTokens', 999999) WHERE position = ?").run(target.position);
    db.close();

    const stream = await app.request('GET', `/admin/audit/streams/${policyStream()}/verify`);
    expect(stream.body.ok).to.equal(false);
    expect(stream.body.firstBrokenLink).to.include({ position: target.position, eventId: target.eventId, revision: 1, reason: 'hash_mismatch' });
    const tenant = await app.request('GET', `/admin/tenants/${fixture.tenantId}/audit/verify`);
    expect(tenant.body.firstBrokenLink).to.include({ position: target.position, reason: 'hash_mismatch' });

    const previous = process.env.NEXUS_ADMIN_TOKEN;
    process.env.NEXUS_ADMIN_TOKEN = app.adminToken;
    const output: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => output.push(chunk) > 0) as typeof process.stdout.write;
    try {
      const code = await nexusCli(['audit', 'verify', '--tenant', fixture.tenantId, '--url', app.baseUrl]);
      expect(code).to.equal(2);
    } finally {
      process.stdout.write = write;
      if (previous === undefined) delete process.env.NEXUS_ADMIN_TOKEN;
      else process.env.NEXUS_ADMIN_TOKEN = previous;
    }
    expect(output.join('')).to.include(`position ${target.position}`).and.to.include('hash_mismatch');
  });
});
