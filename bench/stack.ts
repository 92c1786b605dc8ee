// Brings the service up the way `npm start` does (infra/), on the bench's own ports and a
// throwaway data directory, with worker and API as separate processes so each is measured.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgresProcess } from '../infra/embedded-postgres';
import { deployMigrations } from '../infra/migrations';
import { projectRoot } from '../infra/paths';
import { startTemporal, type TemporalBackend } from '../infra/temporal-backend';
import { temporalDatabaseFromUrl } from '../infra/temporal-server';
import { consecutivePorts } from '../infra/temporal-server-config';
import { newPayloadKey } from '../lib/codec';
import type { PayloadKeyConfig } from '../lib/data-converter';
import { startBenchSink, type BenchSink } from './sink';

export const TASK_QUEUE = 'carewatch';
export const BASELINE_TASK_QUEUE = 'bench-baseline';

export interface Stack {
  dir: string;
  temporalBackend: TemporalBackend;
  temporalAddress: string;
  databaseUrl: string;
  apiUrl: string;
  publicUrl: string;
  sink: BenchSink;
  /** Every Temporal client of the run encrypts payloads with these, as the service does. */
  payloadKeys: PayloadKeyConfig;
  /** Process ids by role: worker (one per worker process), api, baseline, temporal (one per node). */
  pids: Record<'worker' | 'api' | 'baseline' | 'temporal', number[]>;
  /** The Temporal server's warnings and errors so far (kept in `temporalLog`): signs of an overloaded store. */
  temporalIssues: { warn: number; error: number; deadlineExceeded: number };
  temporalLog: string;
  stop(): Promise<void>;
}

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * Starts a TypeScript entry point and resolves once it prints `readyText`. Its stop is
 * registered at once, so one that fails to start does not leave the others running.
 */
function startProcess(name: string, entry: string, env: NodeJS.ProcessEnv, readyText: string, stops: Array<() => Promise<void>>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  stops.push(() => stopProcess(child));
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const watch = (chunk: Buffer) => {
      const text = chunk.toString();
      if (output.length < 200) output.push(text);
      if (text.includes(readyText)) resolve(child);
      // Warnings and errors stay visible; routine info lines would drown the table.
      if (/"level":(40|50|60)|Error/.test(text)) process.stderr.write(`[${name}] ${text}`);
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    child.once('exit', (code) => reject(new Error(`${name} exited during start (code ${code}):\n${output.join('')}`)));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export interface StackOptions {
  backend?: TemporalBackend;
  /** Worker processes on the service's task queue (each with its own pool, slots and cache). */
  workers?: number;
  workerEnv?: NodeJS.ProcessEnv;
}

export async function startStack(basePort: number, { backend = 'dev', workers = 1, workerEnv = {} }: StackOptions = {}): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-bench-'));
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => say(`stop: ${(err as Error).message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Kept after the run (the data directory is not): evidence of what limited it.
    const temporalLog = `${dir}-temporal.log`;
    const temporalIssues = { warn: 0, error: 0, deadlineExceeded: 0 };
    const onLog = (line: string) => {
      fs.appendFileSync(temporalLog, `${line}\n`);
      if (/level=WARN|"level":"warn"/.test(line)) temporalIssues.warn++;
      if (/level=ERROR|"level":"error"/.test(line)) temporalIssues.error++;
      if (line.includes('DeadlineExceeded') || line.includes('context deadline exceeded')) temporalIssues.deadlineExceeded++;
    };
    // Every run gets a new server on a new store (SQLite file or PostgreSQL cluster), so no
    // earlier run's workflows or task queues can skew it.
    say(`starting PostgreSQL, the SMTP sink and Temporal (${backend})`);
    // The real server gets a PostgreSQL of its own (basePort + 5), as in docker-compose.yml, so
    // its load and the service's do not meet in one database server.
    const [db, sink, temporalDb] = await Promise.all([
      startEmbeddedPostgresProcess({ dataDir: path.join(dir, 'postgres'), port: basePort + 3, database: 'carewatch' }),
      startBenchSink({ port: basePort + 4, dir }),
      backend === 'dev' ? undefined : startEmbeddedPostgresProcess({ dataDir: path.join(dir, 'temporal-postgres'), port: basePort + 5, database: 'postgres' }),
    ]);
    stops.push(db.stop, sink.stop, ...(temporalDb ? [temporalDb.stop] : []));
    // The dev server on basePort + 1 (UI + 2); the real server's nodes take nine ports each
    // from basePort + 20 and + 30, a cluster's balancer basePort + 10.
    const nodePorts = { dev: undefined, server: [consecutivePorts(basePort + 20)], cluster: [consecutivePorts(basePort + 20), consecutivePorts(basePort + 30)] }[backend];
    const temporalPort = { dev: basePort + 1, server: basePort + 20, cluster: basePort + 10 }[backend];
    const server = await startTemporal({
      backend,
      dir: path.join(dir, 'temporal'),
      port: temporalPort,
      uiPort: backend === 'dev' ? basePort + 2 : undefined,
      namespace: 'default',
      db: temporalDb ? temporalDatabaseFromUrl(temporalDb.url) : undefined,
      nodePorts,
      onLog,
    });
    stops.push(server.stop);
    await deployMigrations(db.url);

    const apiUrl = `http://127.0.0.1:${basePort}`;
    const key = newPayloadKey('bench-1');
    const payloadKeys = { PAYLOAD_KEYS: key, PAYLOAD_ACTIVE_KEY_ID: 'bench-1' };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      DATABASE_URL: db.url,
      SMTP_URL: sink.url,
      PORT: String(basePort),
      PUBLIC_URL: apiUrl,
      LINK_SIGNING_SECRET: crypto.randomBytes(32).toString('hex'),
      ...payloadKeys,
      WORKER_METRICS_URL: `http://127.0.0.1:${basePort + 6}/metrics`,
    };
    say(`bundling and starting ${workers} worker process(es), the baseline worker and the API`);
    // Each worker serves its own metrics (basePort + 6, then + 40 on: clear of the nodes' blocks); the API relays the first's.
    const metricsPort = (n: number) => (n === 0 ? basePort + 6 : basePort + 39 + n);
    const [baseline, api, ...workerProcesses] = await Promise.all([
      startProcess('baseline', 'bench/baseline-worker.ts', { ...env, TEMPORAL_TASK_QUEUE: BASELINE_TASK_QUEUE }, 'worker running', stops),
      startProcess('api', 'api/main.ts', env, 'API listening', stops),
      ...Array.from({ length: workers }, (_, n) =>
        startProcess(
          n === 0 ? 'worker' : `worker-${n + 1}`,
          'worker/main.ts',
          { ...env, ...workerEnv, WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort(n)}` },
          'worker running',
          stops,
        ),
      ),
    ]);
    const temporal = server.pids();
    if (!temporal.length) throw new Error('could not find the Temporal server process');
    return {
      dir,
      temporalAddress: server.address,
      databaseUrl: db.url,
      apiUrl,
      publicUrl: apiUrl,
      sink,
      payloadKeys,
      temporalIssues,
      temporalLog,
      temporalBackend: backend,
      pids: { worker: workerProcesses.map((w) => w.pid!), api: [api.pid!], baseline: [baseline.pid!], temporal },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
