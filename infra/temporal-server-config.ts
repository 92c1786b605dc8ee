// The configuration files the real Temporal server and its Web UI read, generated from our
// own settings. Written as JSON, which every YAML parser reads, so no YAML writer is needed
// at run time. The reference is the server module's own config/development-postgres12.yaml.

/** Temporal server release: the same in provisioning, `npm start`, the tests and docker-compose.yml. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';

/**
 * History shards: fixed when a cluster's database is created, so one number everywhere. 16
 * spreads over two nodes (8 each) and leaves room for more without re-creating the database.
 */
export const HISTORY_SHARDS = 16;

/** A PostgreSQL server that holds the `temporal` and `temporal_visibility` databases. */
export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/** The ports one server process listens on: one gRPC and one membership port per service. */
export interface NodePorts {
  frontend: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  frontendHttp: number;
}

export const NODE_PORT_NAMES: (keyof NodePorts)[] = [
  'frontend', 'history', 'matching', 'worker', 'frontendMembership', 'historyMembership', 'matchingMembership', 'workerMembership', 'frontendHttp',
];

/** Temporal keeps membership ports in a PostgreSQL smallint column. */
export const MAX_MEMBERSHIP_PORT = 32_767;

/** Nine consecutive ports from `first`: how `npm start` lays out each node from TEMPORAL_PORT. */
export function consecutivePorts(first: number): NodePorts {
  return Object.fromEntries(NODE_PORT_NAMES.map((name, i) => [name, first + i])) as unknown as NodePorts;
}

/**
 * Dynamic configuration, the same for the local server, the cluster and docker-compose.yml
 * (deploy/temporal/dynamicconfig.yaml is this, written out and checked by a test).
 */
export const DYNAMIC_CONFIG: Record<string, Array<{ value: unknown; constraints?: Record<string, unknown> }>> = {
  // Our workflow ids are `visit-<uuid>` and `plan-<uuid>`; the dev server's limit, kept.
  'limit.maxIDLength': [{ value: 255 }],
  // Every visit action is an update; say so rather than rely on the release's default.
  'frontend.enableUpdateWorkflowExecution': [{ value: true }],
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': [{ value: true }],
  // /healthz and the operators read pollers from the task-queue description; a single
  // partition keeps every poller on the partition that is described.
  'matching.numTaskqueueReadPartitions': [{ value: 1 }],
  'matching.numTaskqueueWritePartitions': [{ value: 1 }],
  // An idle poller comes back every 10 s instead of every minute, and a gone worker drops
  // out of the list after 30 s: /healthz sees a dead worker within half a minute.
  'matching.longPollExpirationInterval': [{ value: '10s' }],
  'matching.PollerHistoryTTL': [{ value: '30s' }],
};

/** The dynamic config file's text. */
export function dynamicConfigText(): string {
  return `${JSON.stringify(DYNAMIC_CONFIG, null, 2)}\n`;
}

export interface ServerConfigOptions {
  db: TemporalDatabase;
  ports: NodePorts;
  /** Where the server's own system workers reach a frontend: the balancer in a cluster. */
  publicAddress: string;
  dynamicConfigFile: string;
  shards?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

function datastore(db: TemporalDatabase, databaseName: string, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${db.host}:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

const rpc = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });

/** One server process's config: all four services, persistence on PostgreSQL, membership through the database. */
export function serverConfig(options: ServerConfigOptions): Record<string, unknown> {
  const { ports } = options;
  const tooHigh = NODE_PORT_NAMES.filter((name) => name.endsWith('Membership') && ports[name] > MAX_MEMBERSHIP_PORT);
  if (tooHigh.length) {
    throw new Error(`Temporal stores membership ports as a smallint: ${tooHigh.map((n) => `${n} ${ports[n]}`).join(', ')} must be at most ${MAX_MEMBERSHIP_PORT} (lower TEMPORAL_PORT)`);
  }
  return {
    log: { stdout: true, level: options.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: options.shards ?? HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(options.db, TEMPORAL_DATABASES.default, 20),
        'postgres-visibility': datastore(options.db, TEMPORAL_DATABASES.visibility, 4),
      },
    },
    // Nodes find each other through the cluster_membership table; each advertises loopback.
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: rpc(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: rpc(ports.history, ports.historyMembership),
      matching: rpc(ports.matching, ports.matchingMembership),
      worker: rpc(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: options.publicAddress } },
    },
    publicClient: { hostPort: options.publicAddress },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: options.dynamicConfigFile, pollInterval: '10s' },
  };
}

export interface UiConfigOptions {
  temporalAddress: string;
  port: number;
  namespace: string;
  /** The API's /codec: the UI asks it to decode the encrypted payloads for an operator. */
  codecEndpoint?: string;
}

/** The Web UI server's config (github.com/temporalio/ui-server/v2 server/config/config.go). */
export function uiConfig(options: UiConfigOptions): Record<string, unknown> {
  return {
    temporalGrpcAddress: options.temporalAddress,
    host: '127.0.0.1',
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    refreshInterval: '1m',
    // Local HTTP: cookies without the Secure flag, the UI's own origin only.
    cors: { cookieInsecure: true, allowOrigins: [`http://localhost:${options.port}`, `http://127.0.0.1:${options.port}`] },
    auth: { enabled: false },
    // includeCredentials sends the operator's session cookie to the codec endpoint, which
    // decodes only for operators; the UI's own token is not passed on.
    ...(options.codecEndpoint ? { codec: { endpoint: options.codecEndpoint, passAccessToken: false, includeCredentials: true } } : {}),
    notifyOnNewVersion: false,
    disableNewsFetch: true,
  };
}
