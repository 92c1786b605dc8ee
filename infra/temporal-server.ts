// The real Temporal server on PostgreSQL: built from the Go module proxy, its schema set up
// or upgraded with Temporal's own sql tool, one or more server processes (a cluster shares
// one database and finds its members through it), a TCP balancer in front of a cluster's
// frontends, and the Web UI server beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { Client as PgClient } from 'pg';
import { searchAttributeKeys } from '../config/search-attributes';
import { waitForTemporal } from './dev-server';
import { ensureGoTool, MissingToolError, type GoTool } from './go-tool';
import { startBalancer, type Balancer } from './tcp-balancer';
import {
  dynamicConfigText,
  serverConfig,
  serverProcessEnv,
  TEMPORAL_DATABASES,
  TEMPORAL_SERVER_VERSION,
  uiConfig,
  type NodePorts,
  type TemporalDatabase,
} from './temporal-server-config';

/** The newest Web UI server whose module builds with Go 1.26.5 (later ones ask for 1.26.9+). */
export const UI_SERVER_VERSION = '2.55.0';

export const TEMPORAL_SERVER: GoTool = {
  label: `the Temporal server ${TEMPORAL_SERVER_VERSION}`,
  module: `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
  name: 'temporal-server',
  version: TEMPORAL_SERVER_VERSION,
  built: 'server',
  binary: 'temporal-server',
  estimate: '~4 min',
  override: 'TEMPORAL_SERVER_PATH',
};

export const TEMPORAL_SQL_TOOL: GoTool = {
  label: `Temporal's schema tool ${TEMPORAL_SERVER_VERSION}`,
  module: `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
  name: 'temporal-sql-tool',
  version: TEMPORAL_SERVER_VERSION,
  built: 'sql',
  binary: 'temporal-sql-tool',
  estimate: '~1 min',
  override: 'TEMPORAL_SQL_TOOL_PATH',
};

export const TEMPORAL_UI_SERVER: GoTool = {
  label: `the Temporal Web UI server ${UI_SERVER_VERSION}`,
  module: `github.com/temporalio/ui-server/v2/cmd/server@v${UI_SERVER_VERSION}`,
  name: 'temporal-ui-server',
  version: UI_SERVER_VERSION,
  built: 'server',
  binary: 'temporal-ui-server',
  estimate: '~2 min',
  override: 'TEMPORAL_UI_SERVER_PATH',
};

export interface ServerTools {
  server: string;
  sql: string;
  ui: string;
}

/** Builds (first run) or finds the three binaries; they build one after another to spare the cores. */
export async function ensureTemporalServerTools(env: NodeJS.ProcessEnv = process.env): Promise<ServerTools> {
  const tools: Partial<ServerTools> = {};
  for (const [key, tool] of [
    ['sql', TEMPORAL_SQL_TOOL],
    ['server', TEMPORAL_SERVER],
    ['ui', TEMPORAL_UI_SERVER],
  ] as const) {
    const binary = await ensureGoTool(tool, env);
    if (!binary) throw new MissingToolError(`Go is not installed, so ${tool.label} cannot be built: install Go >= 1.25, or set ${tool.override}`);
    tools[key] = binary;
  }
  return tools as ServerTools;
}

/** `postgresql://user:password@host:port/...` as the server's datastore settings (the path is ignored). */
export function temporalDatabaseFromUrl(url: string): TemporalDatabase {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

async function withPg<T>(db: TemporalDatabase, database: string, use: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ host: db.host, port: db.port, user: db.user, password: db.password, database });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates the two databases on first use, installs the versioning tables once, then brings
 * both schemas up to the release's latest version (a no-op when they already are), so a
 * server upgrade only needs a restart.
 */
export async function setupTemporalSchema(sqlTool: string, db: TemporalDatabase, onLog: (line: string) => void = () => undefined): Promise<void> {
  const common = ['--ep', db.host, '-p', String(db.port), '-u', db.user, '--pw', db.password, '--pl', 'postgres12'];
  // The tool logs every file it considers at DEBUG; its output is worth reading only when it fails.
  const sql = (args: string[]) => runCaptured(sqlTool, [...common, ...args]);
  for (const [database, schema] of [
    [TEMPORAL_DATABASES.default, 'postgresql/v12/temporal'],
    [TEMPORAL_DATABASES.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    const exists = await withPg(db, 'postgres', async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);
    if (!exists) await sql(['--db', database, 'create']);
    const versioned = await withPg(db, database, async (c) => (await c.query("SELECT to_regclass('public.schema_version') IS NOT NULL AS present")).rows[0].present as boolean);
    if (!versioned) await sql(['--db', database, 'setup-schema', '-v', '0.0']);
    await sql(['--db', database, 'update-schema', '--schema-name', schema]);
    onLog(`${database}: schema ${await withPg(db, database, async (c) => (await c.query('SELECT curr_version FROM schema_version')).rows[0]?.curr_version)}`);
  }
}

/** Runs a command to completion; on failure the error carries the tail of its output. */
function runCaptured(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(command)} ${args.filter((a, i) => args[i - 1] !== '--pw').join(' ')} failed (exit ${code}):\n${output.slice(-3_000)}`)),
    );
  });
}

/** One server process: all four services on its own ports. */
export interface ServerNode {
  name: string;
  ports: NodePorts;
  address: string;
  pid(): number | undefined;
  running(): boolean;
  /** Starts it (again) on the same config and waits until its frontend answers. */
  start(): Promise<void>;
  /** SIGTERM (or the given signal) and wait for the exit; SIGKILL after 15 s. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Settles when the process last started exits (at once if none runs), with how it ended. */
  exited(): Promise<string>;
}

export interface NodeOptions {
  binary: string;
  /** Scratch folder of its own: the generated config lives there. */
  dir: string;
  name: string;
  db: TemporalDatabase;
  ports: NodePorts;
  publicAddress: string;
  shards?: number;
  onLog: (line: string) => void;
}

/** Writes the node's config (and the shared dynamic config) and returns a handle that starts it. */
export function serverNode(options: NodeOptions): ServerNode {
  const configDir = path.join(options.dir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = path.join(options.dir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicConfigFile, dynamicConfigText());
  const config = serverConfig({ db: options.db, ports: options.ports, publicAddress: options.publicAddress, dynamicConfigFile, shards: options.shards });
  fs.writeFileSync(path.join(configDir, 'carewatch.yaml'), JSON.stringify(config, null, 2), { mode: 0o600 });
  const address = `127.0.0.1:${options.ports.frontend}`;
  let child: ChildProcess | undefined;
  let exited: Promise<string> = Promise.resolve('never started');
  const running = () => Boolean(child && child.exitCode === null && child.signalCode === null);
  const node: ServerNode = {
    name: options.name,
    ports: options.ports,
    address,
    pid: () => (running() ? child?.pid : undefined),
    running,
    async start() {
      if (running()) return;
      const started = spawn(options.binary, ['--root', options.dir, '--config', 'config', '--env', 'carewatch', '--allow-no-auth', 'start'], {
        env: serverProcessEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: the launcher, not the terminal's Ctrl-C, decides when it stops.
        detached: true,
      });
      child = started;
      // The last lines it printed: why it exited, if it does.
      const recent: string[] = [];
      const relay = (chunk: Buffer) =>
        chunk
          .toString()
          .split('\n')
          .filter((l) => l.trim())
          .forEach((l) => {
            recent.push(l.slice(0, 600));
            if (recent.length > 8) recent.shift();
            options.onLog(`${options.name}: ${l}`);
          });
      started.stdout?.on('data', relay);
      started.stderr?.on('data', relay);
      exited = new Promise<string>((resolve) => started.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
      await Promise.race([
        waitForTemporal(address, 90_000),
        exited.then(() => {
          throw new Error(
            `${options.name} exited during start (code ${started.exitCode}); are ports ${Object.values(options.ports).join(', ')} free? Its last lines:\n${recent.join('\n')}`,
          );
        }),
      ]).catch(async (err) => {
        await node.stop('SIGKILL');
        throw err;
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!running()) return;
      child!.kill(signal);
      const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    exited: () => exited,
  };
  return node;
}

/** Registers the namespace and our search attributes (both idempotent), then waits until every node serves them. */
export async function registerNamespace(addresses: string[], namespace: string, retentionDays = 30): Promise<void> {
  const connection = await Connection.connect({ address: addresses[0] });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionDays * 86_400_000) });
    } catch (err) {
      if (!/already exists|AlreadyExists/i.test((err as Error).message)) throw err;
    }
    const type = temporal.api.enums.v1.IndexedValueType;
    const types: Record<string, temporal.api.enums.v1.IndexedValueType> = {
      KEYWORD: type.INDEXED_VALUE_TYPE_KEYWORD,
      DATETIME: type.INDEXED_VALUE_TYPE_DATETIME,
      INT: type.INDEXED_VALUE_TYPE_INT,
      TEXT: type.INDEXED_VALUE_TYPE_TEXT,
      BOOL: type.INDEXED_VALUE_TYPE_BOOL,
      DOUBLE: type.INDEXED_VALUE_TYPE_DOUBLE,
    };
    const wanted = Object.fromEntries(searchAttributeKeys.map((k) => [k.name, types[k.type]]));
    const existing = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    const missing = Object.fromEntries(Object.entries(wanted).filter(([name]) => !(name in existing)));
    if (Object.keys(missing).length) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } finally {
    await connection.close();
  }
  // A node learns of a new namespace on its next registry refresh (seconds): wait for each.
  for (const address of addresses) {
    await eventuallyTrue(`namespace ${namespace} served at ${address}`, 60_000, async () => {
      const c = await Connection.connect({ address });
      try {
        const attributes = (await c.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
        await c.workflowService.describeNamespace({ namespace });
        return searchAttributeKeys.every((k) => k.name in attributes);
      } finally {
        await c.close();
      }
    });
  }
}

async function eventuallyTrue(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = `: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface UiServer {
  url: string;
  stop(): Promise<void>;
}

/** The Web UI server, pointed at the cluster's address, with the API's codec endpoint. */
export async function startUiServer(options: {
  binary: string;
  dir: string;
  temporalAddress: string;
  port: number;
  namespace: string;
  codecEndpoint?: string;
  onLog: (line: string) => void;
}): Promise<UiServer> {
  const configDir = path.join(options.dir, 'config');
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(path.join(configDir, 'carewatch.yaml'), JSON.stringify(uiConfig(options), null, 2));
  const child = spawn(options.binary, ['--root', options.dir, '--config', 'config', '--env', 'carewatch', 'start'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const relay = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((l) => l.trim())
      .forEach((l) => options.onLog(`ui: ${l}`));
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://localhost:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const answered = eventuallyTrue(
    `the Web UI at ${url}`,
    30_000,
    () =>
      new Promise((resolve) => {
        http
          .get(`http://127.0.0.1:${options.port}/`, (res) => {
            res.resume();
            resolve((res.statusCode ?? 500) < 500);
          })
          .on('error', () => resolve(false));
      }),
  );
  try {
    await Promise.race([answered, exited.then(() => Promise.reject(new Error(`the Web UI server exited during start; is port ${options.port} in use?`)))]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

export interface TemporalCluster {
  /** What clients dial: the frontend of a single node, or the balancer in front of several. */
  address: string;
  uiUrl?: string;
  nodes: ServerNode[];
  balancer?: Balancer;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  tools: Pick<ServerTools, 'server' | 'sql'> & Partial<Pick<ServerTools, 'ui'>>;
  /** Scratch folder for generated configs. */
  dir: string;
  db: TemporalDatabase;
  /** One entry per node. With more than one, a balancer listens on `port` in front of them. */
  nodePorts: NodePorts[];
  /** The address clients use: a single node's frontend port, or the balancer's. */
  port: number;
  namespace: string;
  ui?: { port: number; codecEndpoint?: string };
  shards?: number;
  onLog: (line: string) => void;
  /** Progress lines ("schema ready", "node-1 up"): npm start prints them. */
  onStep?: (line: string) => void;
}

/** Schema, nodes, balancer, namespace and UI, in that order; whatever started is stopped again if a step fails. */
export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const step = options.onStep ?? (() => undefined);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch((err) => options.onLog(`stop: ${(err as Error).message}`));
  };
  try {
    await setupTemporalSchema(options.tools.sql, options.db, step);
    const clustered = options.nodePorts.length > 1;
    const address = `127.0.0.1:${options.port}`;
    if (!clustered && options.nodePorts[0].frontend !== options.port) throw new Error('a single node serves clients on its own frontend port');
    const nodes = options.nodePorts.map((ports, i) =>
      serverNode({
        binary: options.tools.server,
        dir: path.join(options.dir, `node-${i + 1}`),
        name: `node-${i + 1}`,
        db: options.db,
        ports,
        publicAddress: address,
        shards: options.shards,
        onLog: options.onLog,
      }),
    );
    let balancer: Balancer | undefined;
    if (clustered) {
      balancer = await startBalancer(
        options.port,
        nodes.map((n) => n.address),
      );
      stops.push(() => balancer!.close());
    }
    // One after another: the first node creates the shards, the next joins its ring.
    for (const node of nodes) {
      stops.push(() => node.stop());
      await node.start();
      step(`${node.name} up (gRPC ${node.address}, membership ${node.ports.historyMembership})`);
    }
    await registerNamespace(
      nodes.map((n) => n.address),
      options.namespace,
    );
    step(`namespace ${options.namespace} and search attributes registered`);
    let uiUrl: string | undefined;
    if (options.ui && options.tools.ui) {
      const ui = await startUiServer({
        binary: options.tools.ui,
        dir: path.join(options.dir, 'ui'),
        temporalAddress: address,
        port: options.ui.port,
        namespace: options.namespace,
        codecEndpoint: options.ui.codecEndpoint,
        onLog: options.onLog,
      });
      stops.push(ui.stop);
      uiUrl = ui.url;
    }
    return { address, uiUrl, nodes, balancer, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
