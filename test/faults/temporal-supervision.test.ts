// npm start on the real Temporal server: a SIGKILLed Temporal node is started again by the
// launcher on its own config, the service is healthy again, and a SIGTERM still stops all.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../infra/paths';
import { eventually } from '../helpers/eventually';
import { report } from '../helpers/processes';
import { freePort } from '../setup/global-setup';

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** npm start lays a node's nine ports out from TEMPORAL_PORT; its membership ports must fit a smallint. */
async function freeTemporalBlock(): Promise<number> {
  for (;;) {
    const base = 28_000 + 10 * Math.floor(Math.random() * 400);
    const free = await Promise.all(Array.from({ length: 9 }, (_, i) => canListen(base + i)));
    if (free.every(Boolean)) return base;
  }
}

/** The pid of the Temporal server process running on `root`'s config, if any. */
function temporalNodePid(root: string): number | undefined {
  try {
    return (
      Number(
        execFileSync('pgrep', ['-f', '--', `--root ${root} `], { encoding: 'utf8' })
          .trim()
          .split('\n')[0],
      ) || undefined
    );
  } catch {
    return undefined;
  }
}

test('When the Temporal node under npm start --temporal=server is SIGKILLed, the launcher starts it again and the service is healthy again; a SIGTERM then stops everything', async () => {
  const [port, uiPort, pgPort, smtpPort, webPort, metricsPort, temporalPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freeTemporalBlock(),
  ]);
  const dataDir = fs.mkdtempSync(path.join(process.env.TEST_ROOT!, 'start-temporal-'));
  const nodeRoot = path.join(dataDir, 'temporal-server', 'node-1');
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port) };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_DB_URL', 'SMTP_URL']) delete env[name];
  Object.assign(env, {
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    MAIL_SINK_SMTP_PORT: String(smtpPort),
    MAIL_SINK_WEB_PORT: String(webPort),
    WORKER_METRICS_PORT: String(metricsPort),
  });
  const launcher = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--temporal=server'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  launcher.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  launcher.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
  const health = () =>
    fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
  try {
    await eventually(async () => output.includes('CareWatch is running') && (await health()) === 200, 240_000);
    const first = temporalNodePid(nodeRoot);
    expect(first).toBeDefined();

    const killedAt = Date.now();
    process.kill(first!, 'SIGKILL');
    await eventually(async () => output.includes('Temporal node-1 exited unexpectedly (SIGKILL); restart 1 in'), 10_000);
    await eventually(async () => output.includes('Temporal node-1 running again'), 120_000);
    const second = temporalNodePid(nodeRoot);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    // The worker and the API were never restarted: they reconnect to the node by themselves.
    await eventually(async () => (await health()) === 200, 60_000);
    const backMs = Date.now() - killedAt;
    expect(output).not.toMatch(/(worker|API) exited unexpectedly/);
    expect(launcher.exitCode).toBeNull();

    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(temporalNodePid(nodeRoot)).toBeUndefined();
    report(`npm start --temporal=server: SIGKILLed Temporal node started again by the launcher, service healthy ${(backMs / 1000).toFixed(1)} s after the kill`);
  } finally {
    // A failed run still stops what the launcher started: SIGTERM is its orderly stop.
    if (launcher.exitCode === null) {
      launcher.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
      if (launcher.exitCode === null) launcher.kill('SIGKILL');
    }
    const left = temporalNodePid(nodeRoot);
    if (left) process.kill(left, 'SIGKILL');
  }
}, 420_000);
