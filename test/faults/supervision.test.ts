// npm start as a real process tree: a SIGKILLed worker or API is restarted by the launcher,
// the rest keeps running, and a stop takes everything it started with it.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../infra/paths';
import { eventually } from '../helpers/eventually';
import { report } from '../helpers/processes';
import { freePort } from '../setup/global-setup';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("When npm start's worker, then its API, is SIGKILLed, each is restarted and logged while the others keep running; a SIGTERM then stops everything", async () => {
  const [port, smtpPort, webPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dataDir = fs.mkdtempSync(path.join(process.env.TEST_ROOT!, 'start-'));
  const taskQueue = `supervised-${randomUUID()}`;
  const launcher = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      MAIL_SINK_SMTP_PORT: String(smtpPort),
      MAIL_SINK_WEB_PORT: String(webPort),
      WORKER_METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  launcher.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  launcher.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
  /** Pids of the processes that logged `msg`, in order. */
  const pidsOf = (msg: string) => [...output.matchAll(new RegExp(`\\{[^\\n]*"msg":"${msg}"[^\\n]*`, 'g'))].map((m) => JSON.parse(m[0]).pid as number);
  const health = () =>
    fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
  const seen: number[] = [];
  try {
    await eventually(async () => output.includes('CareWatch is running') && pidsOf('worker running').length && pidsOf('API listening').length, 120_000);
    await eventually(async () => (await health()) === 200, 60_000);
    const [worker] = pidsOf('worker running');
    const [api] = pidsOf('API listening');
    seen.push(worker, api);

    const killedAt = Date.now();
    process.kill(worker, 'SIGKILL');
    await eventually(async () => output.includes('worker exited unexpectedly (SIGKILL); restart 1 in'), 10_000);
    // The API stays up (it may say the worker is missing), and so does the launcher.
    expect(await health()).not.toBe(0);
    const [, worker2] = await eventually(async () => pidsOf('worker running').length === 2 && pidsOf('worker running'), 90_000);
    seen.push(worker2);
    const workerBackMs = Date.now() - killedAt;
    expect(worker2).not.toBe(worker);
    expect(alive(api)).toBe(true);
    await eventually(async () => (await health()) === 200, 60_000);

    process.kill(api, 'SIGKILL');
    await eventually(async () => output.includes('API exited unexpectedly (SIGKILL); restart 1 in'), 10_000);
    const [, api2] = await eventually(async () => pidsOf('API listening').length === 2 && pidsOf('API listening'), 60_000);
    seen.push(api2);
    await eventually(async () => (await health()) === 200, 30_000);
    expect(alive(worker2)).toBe(true);
    expect(launcher.exitCode).toBeNull();

    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(seen.filter(alive)).toEqual([]);
    report(
      `npm start supervision: SIGKILLed worker running again after ${(workerBackMs / 1000).toFixed(1)} s, API restarted; launcher and mail sink untouched; SIGTERM stopped all ${seen.length} processes it had started`,
    );
  } finally {
    if (launcher.exitCode === null) {
      launcher.kill('SIGKILL');
      for (const pid of seen.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  }
}, 300_000);
