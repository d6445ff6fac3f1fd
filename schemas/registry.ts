import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { ValidationError } from '../domain/shared/errors.js';
import { UPCASTERS } from './upcasters.js';

/**
 * The event schema registry. Every event type has one Avro schema per version under
 * `schemas/events/<context>/<EventType>.v<N>.avsc`; the highest N is the current version,
 * the one new events are written with. Events stored with an older version are upcast on
 * read by the pure functions in `schemas/upcasters.ts`. The same schemas encode events on
 * Kafka, so a consumer with the current reader schema can resolve any older writer schema.
 */
const EVENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'events');
const FILE_PATTERN = /^([A-Z][A-Za-z0-9]+)\.v(\d+)\.avsc$/;

export interface SchemaEntry {
  readonly eventType: string;
  readonly context: string;
  readonly version: number;
  readonly file: string;
  readonly type: avro.Type;
}

function loadSchemas(): Map<string, SchemaEntry[]> {
  const byType = new Map<string, SchemaEntry[]>();
  for (const context of readdirSync(EVENTS_DIR, { withFileTypes: true })) {
    if (!context.isDirectory()) continue;
    for (const file of readdirSync(join(EVENTS_DIR, context.name))) {
      const match = FILE_PATTERN.exec(file);
      if (!match) continue;
      const path = join(EVENTS_DIR, context.name, file);
      const type = avro.Type.forSchema(JSON.parse(readFileSync(path, 'utf8')) as avro.Schema);
      const entry: SchemaEntry = { eventType: match[1], context: context.name, version: Number(match[2]), file: path, type };
      const versions = byType.get(entry.eventType) ?? [];
      versions.push(entry);
      byType.set(entry.eventType, versions);
    }
  }
  for (const versions of byType.values()) versions.sort((a, b) => a.version - b.version);
  return byType;
}

const registry = loadSchemas();

export function knownEventTypes(): string[] {
  return [...registry.keys()].sort();
}

export function schemaVersions(eventType: string): readonly SchemaEntry[] {
  const versions = registry.get(eventType);
  if (!versions) throw new Error(`no Avro schema registered for event type '${eventType}'`);
  return versions;
}

export function currentSchema(eventType: string): SchemaEntry {
  const versions = schemaVersions(eventType);
  return versions[versions.length - 1];
}

export function currentSchemaVersion(eventType: string): number {
  return currentSchema(eventType).version;
}

/** Throws a ValidationError naming every field path at fault. */
export function assertValidEventData(eventType: string, data: unknown, version = currentSchemaVersion(eventType)): void {
  const entry = schemaVersions(eventType).find((candidate) => candidate.version === version);
  if (!entry) throw new Error(`event type '${eventType}' has no schema version ${version}`);
  const issues: { path: string; message: string }[] = [];
  // avsc accepts a missing field that has a default; events must spell every field out
  // (null for "none"), so what is stored is exactly what the schema describes.
  if (entry.type instanceof avro.types.RecordType && typeof data === 'object' && data !== null) {
    for (const field of entry.type.fields) {
      if ((data as Record<string, unknown>)[field.name] === undefined) issues.push({ path: field.name, message: 'is missing' });
    }
  }
  const valid = entry.type.isValid(data, {
    noUndeclaredFields: true,
    errorHook: (path) => issues.push({ path: path.join('.') || '(root)', message: `does not match ${eventType} v${version}` }),
  });
  if (!valid || issues.length > 0) throw new ValidationError(`event ${eventType} does not match its Avro schema v${version}`, issues);
}

/**
 * Turns data written with an older schema version into the current shape by applying the
 * upcasters v→v+1 in order. Pure; the stored event is never changed (its hash still verifies).
 */
export function upcast(eventType: string, version: number, data: unknown): unknown {
  const current = currentSchemaVersion(eventType);
  let value = data;
  for (let from = version; from < current; from++) {
    const step = UPCASTERS[eventType]?.[from];
    if (!step) throw new Error(`no upcaster for ${eventType} v${from} → v${from + 1}`);
    value = step(value);
  }
  return value;
}
