import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { MongoClient } from 'mongodb';
import { decodeEvent } from '../../engines/eventbus/avro-codec.js';
import { KafkaEventBus } from '../../engines/eventbus/kafka/index.js';
import { EVENT_HEADERS, type BusConsumer, type DeliveredMessage } from '../../engines/eventbus/port.js';
import { assertValidEventData } from '../../schemas/registry.js';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';
import { startElasticsearchOrSkip, type ElasticsearchServer } from '../support/elasticsearch.js';
import { startMongoOrSkip, type MongoServer } from '../support/ferretdb.js';
import { startKafkaOrSkip, type KafkaBroker } from '../support/kafka.js';
import { receiverAccepts, WebhookReceiver } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait.js';

/**
 * The gateway on every production engine it can run here (Kafka, MongoDB on FerretDB,
 * Elasticsearch; the event store stays embedded: no EventStoreDB can be installed on this
 * machine): one command accepted over HTTP shows up in the Mongo read model, in the
 * Elasticsearch audit index, on its Kafka topic decodable with its Avro schema, and at a
 * webhook receiver as a correctly signed call.
 */
describe('end to end on real engines', function () {
  this.timeout(120_000);
  let mongo: MongoServer;
  let kafka: KafkaBroker;
  let elasticsearch: ElasticsearchServer;
  let app: TestApp;
  let receiver: WebhookReceiver;
  let watcher: KafkaEventBus;
  const database = `e2e_${randomUUID().slice(0, 8)}`;
  const seen: DeliveredMessage[] = [];
  let consumer: BusConsumer;

  before(async function () {
    mongo = await startMongoOrSkip(this);
    kafka = await startKafkaOrSkip(this);
    elasticsearch = await startElasticsearchOrSkip(this);
    app = await startTestApp({
      NEXUS_MONGO_URL: mongo.url,
      NEXUS_MONGO_DATABASE: database,
      NEXUS_KAFKA_BROKERS: kafka.brokers.join(','),
      NEXUS_ELASTICSEARCH_URL: elasticsearch.url,
      NEXUS_ELASTICSEARCH_AUDIT_INDEX: `${database}-audit`, // this run's own index and checkpoint
      NEXUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', // the receiver listens on 127.0.0.1
    });
    receiver = await WebhookReceiver.start();
    watcher = await KafkaEventBus.connect({ brokers: kafka.brokers, clientId: 'e2e-watcher' });
    consumer = watcher.consume({ groupId: `e2e-${randomUUID()}`, topics: ['nexus.apikey'], fromBeginning: true, onMessage: async (message) => void seen.push(message) });
    await consumer.ready;
  });

  after(async () => {
    await consumer?.stop();
    await watcher?.close();
    await receiver?.close();
    await app?.close();
    if (mongo) {
      const client = await MongoClient.connect(mongo.url);
      await client.db(database).dropDatabase().finally(() => client.close());
    }
    if (elasticsearch) await fetch(`${elasticsearch.url}/${database}-audit-v*`, { method: 'DELETE' });
    await elasticsearch?.stop();
    await kafka?.stop();
    await mongo?.stop();
  });

  it('carries a revoked key into MongoDB, Elasticsearch, Kafka (Avro) and a signed webhook', async () => {
    const { tenantId, key } = await tenantWithKey(app);
    const registered = await app.request('POST', `/admin/tenants/${tenantId}/webhooks`, { token: key, body: { url: receiver.url, eventTypes: ['ApiKeyRevoked'] } });
    expect(registered.status, registered.text).to.equal(201);
    const spare = await app.request('POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'spare', scopes: ['inference'] } });
    const keyId = (spare.body.apiKey as { keyId: string }).keyId;
    const revoked = await app.request('POST', `/admin/tenants/${tenantId}/api-keys/${keyId}/revoke`, { body: { reason: 'leaked' } });
    expect(revoked.status, revoked.text).to.equal(200);

    // MongoDB: the command answered after its read models caught up (read-your-writes).
    const client = await MongoClient.connect(mongo.url);
    try {
      // Read models live in versioned collections (rm_<name>_v<N>) behind an alias: look in each apiKeys version.
      const collections = (await client.db(database).listCollections().toArray()).map((info) => info.name).filter((name) => name.startsWith('rm_apiKeys'));
      expect(collections, 'an apiKeys collection in MongoDB').to.not.be.empty;
      const found = await Promise.all(collections.map((name) => client.db(database).collection(name).findOne({ keyId })));
      const stored = found.find((doc) => doc !== null);
      expect(stored, 'the apiKeys read model in MongoDB').to.include({ tenantId, status: 'revoked' });
    } finally {
      await client.close();
    }
    const listed = await app.request('GET', `/admin/tenants/${tenantId}/api-keys/${keyId}`, { token: key });
    expect(listed.body, listed.text).to.include({ keyId, status: 'revoked' });

    // Elasticsearch: the audit index finds the event by its words, for this tenant only.
    let hits: { type: string }[] = [];
    let last = '';
    await waitFor(async () => {
      const found = await app.request('GET', `/admin/audit/search?q=leaked&type=ApiKeyRevoked`, { token: key });
      last = `${found.status} ${found.text}`;
      hits = (found.body.items ?? []) as { type: string }[];
      return hits.length > 0;
    }, { description: 'the revocation in the Elasticsearch audit index', timeoutMs: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; last answer: ${last}; indexer: ${JSON.stringify(await app.nexus.auditSearch.status())}`);
    });
    expect(hits.map((hit) => hit.type)).to.deep.equal(['ApiKeyRevoked']);

    // Kafka: on nexus.apikey, keyed by its stream, its headers naming it, the value Avro single-object encoded.
    let message: DeliveredMessage | undefined;
    await waitFor(() => {
      message = seen.find((candidate) => candidate.headers[EVENT_HEADERS.eventType] === 'ApiKeyRevoked' && candidate.key.endsWith(`.${keyId}`));
      return message !== undefined;
    }, { description: 'the revocation on nexus.apikey', timeoutMs: 30_000 });
    const delivered = message as DeliveredMessage;
    expect(delivered.headers[EVENT_HEADERS.tenantId]).to.equal(tenantId);
    expect(delivered.value.subarray(0, 2)).to.deep.equal(Buffer.from([0xc3, 0x01]));
    const decoded = decodeEvent(delivered.value);
    expect(decoded.eventType).to.equal('ApiKeyRevoked');
    expect(() => assertValidEventData('ApiKeyRevoked', decoded.data, decoded.version)).to.not.throw();
    expect(decoded.data).to.include({ tenantId, keyId, reason: 'leaked' });

    // The webhook worker (a Kafka consumer group) delivered it, signed with the tenant's secret.
    await waitFor(() => receiver.calls.some((call) => call.rawBody.includes(keyId)), { description: 'the webhook call', timeoutMs: 30_000 });
    const call = receiver.calls.find((candidate) => candidate.rawBody.includes(keyId));
    expect(receiverAccepts(call!, String(registered.body.secret))).to.equal(true);
    expect(JSON.parse(call!.rawBody)).to.deep.include({ type: 'ApiKeyRevoked', tenantId });
  });
});
