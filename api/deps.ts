import type { Logger } from 'pino';
import type { IdempotencyStore } from '../commands/idempotency.js';
import type { Counters } from '../engines/counters/port.js';
import type { SecretSource } from '../engines/secrets/port.js';
import type { EventStore } from '../engines/eventstore/port.js';
import type { SearchPort } from '../engines/search/port.js';
import type { Doc, FindQuery, Page } from '../engines/readmodel/port.js';
import type { GatewayState } from '../projections/cache/gateway-state.js';
import type { Config } from './config.js';
import type { CredentialDirectory } from './http/authenticate.js';
import type { Metrics } from './http/metrics.js';
import type { OutcomeRecorder } from './v1/recording/recorder.js';
import type { ReadScope } from './http/principal.js';

/** Read access already narrowed to one caller's scope (tenant isolation happens below this). */
export interface ScopedReader {
  get(collection: string, id: string): Promise<Doc | null>;
  find(collection: string, query: FindQuery): Promise<Page<Doc>>;
}

export interface ReadModelAccess {
  scoped(scope: ReadScope): ScopedReader;
}

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly checkpoint: number;
  readonly head: number;
  readonly lag: number;
  readonly caughtUp: boolean;
  readonly deadLetters: number;
}

export interface ProjectionControl {
  status(): Promise<ProjectionStatus[]>;
  rebuild(name: string): Promise<ProjectionStatus>;
  names(): string[];
  deadLetters(name: string, limit: number): Promise<unknown[]>;
  /** Resolves once every projection has processed `position` (or the timeout passes). */
  waitForPosition(position: number, timeoutMs: number): Promise<boolean>;
}

/** Everything the HTTP layer needs, built once by api/main.ts (or by tests). */
export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly eventStore: EventStore;
  /** Where the data plane records usage events; inline on `eventStore` when absent. */
  readonly recorder?: OutcomeRecorder;
  readonly readModels: ReadModelAccess;
  readonly projections: ProjectionControl;
  readonly idempotency: IdempotencyStore;
  /** Rate limits, concurrency and budget reservations (in process, or Redis when configured). */
  readonly counters: Counters;
  /** Provider credentials by name (deployments' credentialRef); values never leave this port except into an upstream request header. */
  readonly secrets: SecretSource;
  readonly credentials: CredentialDirectory;
  /**
   * Full-text / vector search (the audit-trail index). Optional until bootstrap wires it:
   * without it GET /admin/audit/search answers 503.
   */
  readonly search?: SearchPort;
  /** Hot-path state (tenants, catalog) the data plane routes with, without touching a database. */
  readonly gateway: GatewayState;
  readonly adminToken: string;
  readonly now: () => Date;
  /** Liveness of the engines, for /readyz. */
  readonly ready: () => Promise<boolean>;
}
