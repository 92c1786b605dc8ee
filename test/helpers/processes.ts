// The service as separate, real processes that fault tests stop, kill and restart: PostgreSQL
// on its own data directory, the Temporal dev server on its own SQLite file, the worker and
// the API as `node --import tsx` children, and an SMTP sink that can refuse mail.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedPostgresProcess, type EmbeddedDatabase } from '../../infra/embedded-postgres';
import { NODES, startTemporal, type TemporalBackend, type TemporalRuntime } from '../../infra/temporal-backend';
import { temporalDatabaseFromUrl, type ServerNode } from '../../infra/temporal-server';
import { deployMigrations } from '../../infra/migrations';
import { projectRoot } from '../../infra/paths';
import { dataConverter } from '../../lib/data-converter';
import { createDb, type Db } from '../../lib/db';
import { freeNodePorts, freePort, testBackend } from '../setup/global-setup';
import { signUp } from './api';
import { startSmtpSink, type SmtpSink } from './smtp-sink';
import { LINK_SECRET, PUBLIC_URL, testPayloadKeys } from './temporal';

/** One `[fault] ...` line on stderr per measurement, for the closing note. */
export const report = (line: string) => process.stderr.write(`[fault] ${line}\n`);

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal that stopped it to its exit. */
  ms: number;
}

export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  /** Sends the signal and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

/** Starts `script` under tsx and resolves once a line of its output matches `ready`. */
async function startNode(name: string, script: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A child that never became ready is nobody's to stop later: stop it here.
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready in 60 s:\n${output.slice(-3000)}`));
    }, 60_000);
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // A soak keeps a process for many minutes: keep its recent output, and stop matching once ready.
      if (output.length > 1_000_000) output = output.slice(-500_000);
      if (!started && ready.test(output)) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start (${signal ?? code}):\n${output.slice(-3000)}`));
    });
  });
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, ms: Date.now() - started };
    },
  };
}

export interface Stack {
  db: Db;
  client: Client;
  smtp: SmtpSink;
  taskQueue: string;
  apiUrl: string;
  worker: ServiceProcess;
  api: ServiceProcess;
  /** Bearer-token headers for a user of this stack's database. */
  as(id: string, role: string, team?: string): Promise<{ authorization: string }>;
  startWorker(): Promise<ServiceProcess>;
  startApi(): Promise<ServiceProcess>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** Every Temporal server process (or the dev server) stopped with SIGTERM, then started again on the same store. */
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  temporalBackend: TemporalBackend;
  /** The real server's nodes (none on the dev server): fault tests SIGKILL and restart one. */
  temporalNodes: ServerNode[];
  /** The real server's own PostgreSQL (separate from the service's), stopped and started again. */
  temporalDatabaseUrl?: string;
  stopTemporalPostgres(): Promise<void>;
  startTemporalPostgres(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Defaults to TEST_TEMPORAL (the dev server unless CI asks for the real one). */
  temporal?: TemporalBackend;
}

/** Every process of the service, each on fresh ports and its own files under a scratch directory. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // What has started so far, stopped in reverse if a later step fails, so no process outlives the test.
  const started: (() => Promise<unknown>)[] = [];
  try {
    return await startEach(started, options.temporal ?? testBackend());
  } catch (err) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}

async function startEach(started: (() => Promise<unknown>)[], backend: TemporalBackend): Promise<Stack> {
  const root = fs.mkdtempSync(path.join(process.env.TEST_ROOT!, 'fault-'));
  const [pgPort, temporalPgPort, temporalPort, uiPort, apiPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const pgOptions = { dataDir: path.join(root, 'pg'), port: pgPort, database: 'carewatch' };
  let pg: EmbeddedDatabase = await startEmbeddedPostgresProcess(pgOptions);
  started.push(() => pg.stop());
  await deployMigrations(pg.url);
  // The real server gets a PostgreSQL of its own, so its restart is a fault of its own.
  const temporalPgOptions = { dataDir: path.join(root, 'temporal-pg'), port: temporalPgPort, database: 'postgres' };
  let temporalPg: EmbeddedDatabase | undefined;
  if (backend !== 'dev') {
    temporalPg = await startEmbeddedPostgresProcess(temporalPgOptions);
    started.push(() => temporalPg!.stop());
  }
  const temporalLog = fs.createWriteStream(path.join(root, 'temporal.log'), { flags: 'a' }).on('error', () => undefined);
  started.push(async () => void temporalLog.end());
  const nodePorts = backend === 'dev' ? undefined : await freeNodePorts(NODES[backend]);
  const temporalOptions = {
    backend,
    dir: path.join(root, 'temporal'),
    port: backend === 'server' ? nodePorts![0].frontend : temporalPort,
    uiPort: backend === 'dev' ? uiPort : undefined,
    namespace: 'default',
    db: temporalPg ? temporalDatabaseFromUrl(temporalPg.url) : undefined,
    nodePorts,
    // One open file, not a path per line: a node still printing as the scratch folder is removed writes to the unlinked file, harmlessly.
    onLog: (line: string) => temporalLog.write(`${line}\n`),
  };
  let temporal: TemporalRuntime = await startTemporal(temporalOptions);
  started.push(() => temporal.stop());
  const smtp = await startSmtpSink();
  started.push(() => smtp.close());
  const db = createDb(pg.url);
  const taskQueue = 'carewatch-faults';
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: pg.url,
    SMTP_URL: smtp.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PUBLIC_URL,
    LINK_SIGNING_SECRET: LINK_SECRET,
    ...testPayloadKeys(),
    WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    PORT: String(apiPort),
  };
  const connection = await Connection.connect({ address: temporal.address });
  started.push(() => connection.close());
  const client = new Client({ connection, dataConverter: dataConverter(testPayloadKeys()) });
  const worker = await startNode('worker', 'worker/main.ts', env, /worker running/);
  started.push(() => worker.stop('SIGKILL'));
  const api = await startNode('api', 'api/main.ts', env, /API listening/);
  const stack: Stack = {
    db,
    client,
    smtp,
    taskQueue,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    worker,
    api,
    as: (id, role, team) => signUp(id, role, team, db),
    startWorker: async () => (stack.worker = await startNode('worker', 'worker/main.ts', env, /worker running/)),
    startApi: async () => (stack.api = await startNode('api', 'api/main.ts', env, /API listening/)),
    stopPostgres: () => pg.stop(),
    startPostgres: async () => {
      pg = await startEmbeddedPostgresProcess(pgOptions);
    },
    temporalBackend: backend,
    temporalDatabaseUrl: temporalPg?.url,
    get temporalNodes() {
      return temporal.nodes;
    },
    stopTemporal: async () => {
      if (backend === 'dev') return temporal.stop();
      for (const node of [...temporal.nodes].reverse()) await node.stop();
    },
    startTemporal: async () => {
      if (backend === 'dev') temporal = await startTemporal(temporalOptions);
      else for (const node of temporal.nodes) await node.start();
    },
    stopTemporalPostgres: async () => {
      if (!temporalPg) throw new Error('the dev server keeps its data in SQLite, not PostgreSQL');
      await temporalPg.stop();
    },
    startTemporalPostgres: async () => {
      temporalPg = await startEmbeddedPostgresProcess(temporalPgOptions);
    },
    // Nothing here needs a clean shutdown (the scratch folder goes next), and one stuck step must
    // not keep the rest running past the hook's timeout: each is bounded, independent ones run together.
    async close() {
      await Promise.all([stack.worker.stop('SIGKILL'), stack.api.stop('SIGKILL')]);
      await Promise.all([
        bounded('the Temporal client connection', 10_000, () => connection.close()),
        bounded("the test's database client", 10_000, () => db.$disconnect()),
        bounded('the SMTP sink', 40_000, () => smtp.close()),
        bounded('Temporal', 60_000, async () => {
          await Promise.all(temporal.nodes.map((node) => node.stop('SIGKILL')));
          await temporal.stop();
        }),
      ]);
      await Promise.all([bounded("Temporal's PostgreSQL", 30_000, async () => temporalPg?.stop(20_000)), bounded('PostgreSQL', 30_000, () => pg.stop(20_000))]);
      temporalLog.end();
    },
  };
  return stack;
}

/** Waits for `step` at most `ms`, then reports it and goes on. */
async function bounded(what: string, ms: number, step: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    step().then(
      () => undefined,
      (err: unknown) => `failed: ${(err as Error).message}`,
    ),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`not stopped within ${ms / 1000} s; going on`), ms))),
  ]);
  clearTimeout(timer);
  if (outcome) report(`close: ${what} ${outcome} (${Date.now() - started} ms)`);
}

/** One stack for the test file: started before its tests, every process stopped after. */
export function useStack(options: StackOptions = {}): () => Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(options);
  }, 240_000);
  // close() bounds each of its steps: at most about 100 s.
  afterAll(() => stack?.close(), 150_000);
  return () => stack!;
}
