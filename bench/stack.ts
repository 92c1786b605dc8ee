// Brings the service up the way `npm start` does (infra/), on the bench's own ports and a
// throwaway data directory, with worker and API as separate processes so each is measured.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer } from '../infra/dev-server';
import { startEmbeddedPostgresProcess } from '../infra/embedded-postgres';
import { deployMigrations } from '../infra/migrations';
import { projectRoot } from '../infra/paths';
import { ensureTemporalCli } from '../infra/temporal-cli';
import { newPayloadKey } from '../lib/codec';
import type { PayloadKeyConfig } from '../lib/data-converter';
import { findPid } from './process-stats';
import { startBenchSink, type BenchSink } from './sink';

export const TASK_QUEUE = 'carewatch';
export const BASELINE_TASK_QUEUE = 'bench-baseline';

export interface Stack {
  dir: string;
  temporalAddress: string;
  databaseUrl: string;
  apiUrl: string;
  publicUrl: string;
  sink: BenchSink;
  /** Every Temporal client of the run encrypts payloads with these, as the service does. */
  payloadKeys: PayloadKeyConfig;
  pids: Record<'worker' | 'api' | 'baseline' | 'temporal', number>;
  /** The dev server's warnings and errors so far (kept in `temporalLog`): signs of an overloaded store. */
  temporalIssues: { warn: number; error: number; deadlineExceeded: number };
  temporalLog: string;
  stop(): Promise<void>;
}

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Starts a TypeScript entry point and resolves once it prints `readyText`. */
function startProcess(name: string, entry: string, env: NodeJS.ProcessEnv, readyText: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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

export async function startStack(basePort: number, workerEnv: NodeJS.ProcessEnv = {}): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-bench-'));
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => say(`stop: ${(err as Error).message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const cli = await ensureTemporalCli();
    if (!cli) throw new Error('the bench needs the Temporal CLI: run `npm run provision` (needs Go)');
    const dbFile = path.join(dir, 'temporal', 'temporal.db');
    // Kept after the run (the data directory is not): evidence of what limited it.
    const temporalLog = `${dir}-temporal.log`;
    const temporalIssues = { warn: 0, error: 0, deadlineExceeded: 0 };
    const onLog = (line: string) => {
      fs.appendFileSync(temporalLog, `${line}\n`);
      if (line.includes('level=WARN')) temporalIssues.warn++;
      if (line.includes('level=ERROR')) temporalIssues.error++;
      if (line.includes('DeadlineExceeded') || line.includes('context deadline exceeded')) temporalIssues.deadlineExceeded++;
    };
    say('starting the Temporal dev server, PostgreSQL and the SMTP sink');
    const [server, db, sink] = await Promise.all([
      startDevServer({ cli, dbFile, port: basePort + 1, uiPort: basePort + 2, namespace: 'default', onLog }),
      startEmbeddedPostgresProcess({ dataDir: path.join(dir, 'postgres'), port: basePort + 3, database: 'carewatch' }),
      startBenchSink({ port: basePort + 4, dir }),
    ]);
    stops.push(server.stop, db.stop, sink.stop);
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
      WORKER_METRICS_ADDRESS: `127.0.0.1:${basePort + 6}`,
      WORKER_METRICS_URL: `http://127.0.0.1:${basePort + 6}/metrics`,
    };
    say('bundling and starting the worker, the baseline worker and the API');
    const [worker, baseline, api] = await Promise.all([
      startProcess('worker', 'worker/main.ts', { ...env, ...workerEnv }, 'worker running'),
      startProcess('baseline', 'bench/baseline-worker.ts', { ...env, TEMPORAL_TASK_QUEUE: BASELINE_TASK_QUEUE }, 'worker running'),
      startProcess('api', 'api/main.ts', env, 'API listening'),
    ]);
    stops.push(...[worker, baseline, api].map((child) => () => stopProcess(child)));
    const temporal = findPid(cli, 'start-dev', dbFile);
    if (!temporal) throw new Error('could not find the Temporal dev server process');
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
      pids: { worker: worker.pid!, api: api.pid!, baseline: baseline.pid!, temporal },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
