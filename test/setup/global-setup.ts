// One real PostgreSQL and one Temporal for the whole run (TEST_TEMPORAL: the dev server by
// default, or the real server / two-node cluster on PostgreSQL), and the workflow code
// bundled once; test files start their own time-skipping servers where time must jump.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { searchAttributeKeys } from '../../config/search-attributes';
import { startEmbeddedPostgres } from '../../infra/embedded-postgres';
import { deployMigrations } from '../../infra/migrations';
import { backendFromArgs, NODES, startTemporal, type TemporalBackend } from '../../infra/temporal-backend';
import { ensureTemporalCli } from '../../infra/temporal-cli';
import { dynamicConfigArgs, NODE_PORT_NAMES, type NodePorts } from '../../infra/temporal-server-config';
import { temporalDatabaseFromUrl } from '../../infra/temporal-server';
import { ensureTestServer } from '../../infra/test-server';
import { newPayloadKey } from '../../lib/codec';
import { WORKFLOW_BUNDLE } from '../../worker/create-worker';

/**
 * Test ports come from below the OS's ephemeral range (32768 up, where every outgoing
 * connection takes its local port) and below 27000 (the bench's default base): a port the OS
 * handed out and closed again may be given to a connection, or to another test file's
 * `listen(0)`, before the process it was meant for binds it. That lost a fault test its port.
 */
const TEST_PORTS = { from: 20_000, to: 26_999 };
/** Shared by every test process on the machine (other worktrees too). */
const RESERVATIONS = path.join(os.tmpdir(), 'carewatch-test-ports');
/** A claimed port is left alone for at least this long: ample for the process it was claimed for to bind it. */
const RESERVATION_MS = 10 * 60_000;

/**
 * Claims `port` for this process: creating its file with `wx` is the lock, in a directory per
 * reservation period. A claim counts in its period and the next, so a claim is checked in the
 * neighbouring periods after it is made; if a neighbour holds one too, this one steps back.
 */
function reserve(port: number): boolean {
  const period = Math.floor(Date.now() / RESERVATION_MS);
  const file = (p: number) => path.join(RESERVATIONS, String(p), String(port));
  if (fs.existsSync(file(period - 1))) return false;
  fs.mkdirSync(path.dirname(file(period)), { recursive: true });
  try {
    fs.writeFileSync(file(period), String(process.pid), { flag: 'wx' });
  } catch {
    return false;
  }
  if (fs.existsSync(file(period - 1)) || fs.existsSync(file(period + 1))) {
    fs.rmSync(file(period), { force: true });
    return false;
  }
  for (const old of fs.readdirSync(RESERVATIONS)) if (Number(old) < period - 1) fs.rmSync(path.join(RESERVATIONS, old), { recursive: true, force: true });
  return true;
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port no other test process will be given for the next minutes, and free now. Low enough for Temporal's membership ports (a smallint). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = TEST_PORTS.from + Math.floor(Math.random() * (TEST_PORTS.to - TEST_PORTS.from + 1));
    if (reserve(port) && (await listens(port))) return port;
  }
}

/** Each node's nine ports, each one free (not a block: other test files hold ports scattered through the range). */
export async function freeNodePorts(nodes: number): Promise<NodePorts[]> {
  const result: NodePorts[] = [];
  for (let n = 0; n < nodes; n++) {
    const ports: Partial<NodePorts> = {};
    for (const name of NODE_PORT_NAMES) ports[name] = await freePort();
    result.push(ports as NodePorts);
  }
  return result;
}

/** The backend the run's shared Temporal and the fault stacks use: TEST_TEMPORAL=dev|server|cluster. */
export function testBackend(env: NodeJS.ProcessEnv = process.env): TemporalBackend {
  return backendFromArgs(env.TEST_TEMPORAL ? [`--temporal=${env.TEST_TEMPORAL}`] : [], 'dev');
}

export default async function globalSetup() {
  const started = Date.now();
  const backend = testBackend();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-test-'));
  const [cli, testServer] = await Promise.all([ensureTemporalCli(), ensureTestServer()]);
  if (!cli) throw new Error('The Temporal CLI is missing and Go is not installed: run `npm run provision` after installing Go >= 1.25');

  const db = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg', 'data'), port: await freePort(), database: 'carewatch_test', ephemeral: true });
  await deployMigrations(db.url);

  let temporal: { address: string; stop(): Promise<void> } | undefined;
  const bundlePath = path.join(root, 'workflow-bundle.js');
  try {
    temporal = await startRunTemporal(backend, cli, root, db.url);
    const bundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: quietLogger });
    fs.writeFileSync(bundlePath, bundle.code);
  } catch (err) {
    // jest skips the teardown when the setup fails: stop what already runs.
    await temporal?.stop().catch(() => undefined);
    await db.stop();
    throw err;
  }

  Object.assign(process.env, {
    TEST_ROOT: root,
    TEST_DATABASE_URL: db.url,
    TEST_TEMPORAL_ADDRESS: temporal.address,
    TEST_TEMPORAL: backend,
    TEST_SERVER_PATH: testServer,
    TEMPORAL_CLI_PATH: cli,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    // Two keys, the newer active, so every test also runs on a rotated key ring.
    TEST_PAYLOAD_KEYS: [newPayloadKey('test-previous'), newPayloadKey('test-current')].join(','),
    TEST_PAYLOAD_ACTIVE_KEY_ID: 'test-current',
  });
  Object.assign(globalThis, { __carewatch: { db, temporal, root } });
  process.stderr.write(`\n[test] PostgreSQL, Temporal (${backend}) and workflow bundle ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

async function startRunTemporal(backend: TemporalBackend, cli: string, root: string, databaseUrl: string): Promise<{ address: string; stop(): Promise<void> }> {
  if (backend === 'dev') {
    const devServer = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: cli }, searchAttributes: searchAttributeKeys, ip: '127.0.0.1', extraArgs: dynamicConfigArgs() },
    });
    return { address: devServer.address, stop: () => devServer.teardown() };
  }
  // The real server keeps its two databases beside the tests' in the same PostgreSQL.
  const nodePorts = await freeNodePorts(NODES[backend]);
  const port = backend === 'server' ? nodePorts[0].frontend : await freePort();
  const log = fs.createWriteStream(path.join(os.tmpdir(), `carewatch-test-temporal-${process.pid}.log`));
  return startTemporal({
    backend,
    dir: path.join(root, 'temporal'),
    port,
    namespace: 'default',
    db: temporalDatabaseFromUrl(databaseUrl),
    nodePorts,
    onLog: (line) => log.write(`${line}\n`),
  });
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};
