// One way to bring up whichever Temporal the caller asked for: the dev server on SQLite, the
// real server on PostgreSQL, or two real server nodes behind a balancer. npm start, the
// tests and the bench all start Temporal through here.
import path from 'node:path';
import { startDevServer } from './dev-server';
import { ensureTemporalCli } from './temporal-cli';
import { consecutivePorts, type NodePorts, type TemporalDatabase } from './temporal-server-config';
import { ensureTemporalServerTools, startTemporalCluster, type ServerNode } from './temporal-server';

export const TEMPORAL_BACKENDS = ['dev', 'server', 'cluster'] as const;
export type TemporalBackend = (typeof TEMPORAL_BACKENDS)[number];

/** Nodes per backend: the cluster is the smallest that can lose one. */
export const NODES: Record<Exclude<TemporalBackend, 'dev'>, number> = { server: 1, cluster: 2 };

/** `--temporal=server` among argv, else `fallback`; an unknown name is an error naming the choices. */
export function backendFromArgs(argv: string[], fallback: TemporalBackend): TemporalBackend {
  const arg = argv.find((a) => a.startsWith('--temporal='));
  const value = arg ? arg.slice('--temporal='.length) : fallback;
  if (!(TEMPORAL_BACKENDS as readonly string[]).includes(value)) throw new Error(`--temporal must be one of ${TEMPORAL_BACKENDS.join(', ')}, got "${value}"`);
  return value as TemporalBackend;
}

/**
 * How npm start lays out the ports from TEMPORAL_PORT: a single node's frontend is
 * TEMPORAL_PORT and its other services the next eight; a cluster's balancer is TEMPORAL_PORT
 * and node n takes nine ports from TEMPORAL_PORT + 10n.
 */
export function derivedNodePorts(backend: Exclude<TemporalBackend, 'dev'>, port: number): NodePorts[] {
  if (NODES[backend] === 1) return [consecutivePorts(port)];
  return Array.from({ length: NODES[backend] }, (_, i) => consecutivePorts(port + 10 * (i + 1)));
}

export interface TemporalRuntime {
  backend: TemporalBackend;
  address: string;
  uiUrl?: string;
  /** The server nodes (empty on the dev server), for fault tests that kill one. */
  nodes: ServerNode[];
  /** Process ids of the Temporal server processes, for the bench's CPU and memory figures. */
  pids(): number[];
  stop(): Promise<void>;
}

export interface TemporalRuntimeOptions {
  backend: TemporalBackend;
  /** Scratch or data folder: the dev server's SQLite file, or the real server's generated configs. */
  dir: string;
  port: number;
  uiPort?: number;
  namespace: string;
  codecEndpoint?: string;
  /** Real server only: where its databases live. */
  db?: TemporalDatabase;
  /** Real server only: defaults to `derivedNodePorts(backend, port)`. */
  nodePorts?: NodePorts[];
  onLog: (line: string) => void;
  onStep?: (line: string) => void;
}

export async function startTemporal(options: TemporalRuntimeOptions): Promise<TemporalRuntime> {
  if (options.backend === 'dev') {
    const cli = await ensureTemporalCli();
    if (!cli) options.onStep?.("Go is not installed: falling back to the Temporal SDK's own download (needs the internet)");
    const server = await startDevServer({
      cli,
      dbFile: path.join(options.dir, 'temporal.db'),
      port: options.port,
      uiPort: options.uiPort ?? options.port + 1000,
      namespace: options.namespace,
      codecEndpoint: options.codecEndpoint,
      onLog: options.onLog,
    });
    return { backend: 'dev', address: server.address, uiUrl: server.uiUrl, nodes: [], pids: () => (server.pid ? [server.pid] : []), stop: server.stop };
  }
  if (!options.db) throw new Error(`--temporal=${options.backend} needs a PostgreSQL for Temporal's databases`);
  const tools = await ensureTemporalServerTools();
  const cluster = await startTemporalCluster({
    tools: { server: tools.server, sql: tools.sql, ...(options.uiPort ? { ui: tools.ui } : {}) },
    dir: options.dir,
    db: options.db,
    nodePorts: options.nodePorts ?? derivedNodePorts(options.backend, options.port),
    port: options.port,
    namespace: options.namespace,
    ...(options.uiPort ? { ui: { port: options.uiPort, codecEndpoint: options.codecEndpoint } } : {}),
    onLog: options.onLog,
    onStep: options.onStep,
  });
  return {
    backend: options.backend,
    address: cluster.address,
    uiUrl: cluster.uiUrl,
    nodes: cluster.nodes,
    pids: () => cluster.nodes.map((n) => n.pid()).filter((p): p is number => p !== undefined),
    stop: cluster.stop,
  };
}
