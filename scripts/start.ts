// `npm start`: the whole service on embedded defaults, in one process tree. Each dependency
// is started here unless its environment variable points at an existing one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { launcherEnvSchema, loadConfig } from '../config/env';
import { runMain } from '../lib/run-main';
import { waitForTemporal } from '../infra/dev-server';
import { startEmbeddedPostgresProcess } from '../infra/embedded-postgres';
import { startMailSink } from '../infra/mail-sink';
import { deployMigrations } from '../infra/migrations';
import { projectRoot } from '../infra/paths';
import { timed } from '../infra/run';
import { recordDatabaseUrl } from '../infra/stack-record';
import { keepRunning, supervise } from '../infra/supervisor';
import { backendFromArgs, startTemporal } from '../infra/temporal-backend';
import { temporalDatabaseFromUrl } from '../infra/temporal-server';
import { newPayloadKey } from '../lib/codec';

const say = (line: string) => process.stdout.write(`[start] ${line}\n`);
const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
let shuttingDown: Promise<never> | undefined;

/** Stops everything once; a second signal or failure waits for the same orderly stop instead of exiting mid-way. */
function shutdown(code: number): Promise<never> {
  shuttingDown ??= (async () => {
    say('stopping...');
    // Reverse start order: API and worker drain first, the servers they use stop last.
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        say(`${name} stopped`);
      } catch (err) {
        say(`${name} did not stop cleanly: ${(err as Error).message}`);
      }
    }
    process.exit(code);
  })();
  return shuttingDown;
}

/** A development secret kept under data/ so acknowledgement links survive a restart. */
function devLinkSecret(dataDir: string): string {
  const file = path.join(dataDir, 'link-signing-secret');
  if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/** A development payload key kept under data/: the dev server's histories stay readable after a restart. */
function devPayloadKeys(dataDir: string): { PAYLOAD_KEYS: string; PAYLOAD_ACTIVE_KEY_ID: string } {
  const file = path.join(dataDir, 'payload-key');
  if (!fs.existsSync(file)) fs.writeFileSync(file, newPayloadKey('dev-1'), { mode: 0o600 });
  const keys = fs.readFileSync(file, 'utf8').trim();
  return { PAYLOAD_KEYS: keys, PAYLOAD_ACTIVE_KEY_ID: keys.split(':')[0] };
}

function superviseChild(name: string, entry: string, env: NodeJS.ProcessEnv): void {
  const child = supervise({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(projectRoot, entry)],
    env,
    log: say,
    onFatal: (reason) => {
      say(`${reason}; stopping everything`);
      void shutdown(1);
    },
  });
  stops.push({ name, stop: () => child.stop() });
}

async function main() {
  const config = loadConfig(launcherEnvSchema);
  const backend = backendFromArgs(process.argv.slice(2), config.TEMPORAL_BACKEND);
  const dataDir = path.resolve(projectRoot, config.DATA_DIR);
  fs.mkdirSync(dataDir, { recursive: true });
  // Ctrl-C reaches the whole foreground process group, sometimes twice; every signal after
  // the first must not cut the orderly shutdown short.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));

  // PostgreSQL first: the real Temporal server keeps its own two databases in it.
  const needsEmbeddedPg = !config.DATABASE_URL || (!config.TEMPORAL_ADDRESS && backend !== 'dev' && !config.TEMPORAL_DB_URL);
  let embeddedUrl: string | undefined;
  if (needsEmbeddedPg) {
    const db = await timed('starting embedded PostgreSQL', () =>
      startEmbeddedPostgresProcess({ dataDir: path.join(dataDir, 'postgres', 'data'), port: config.EMBEDDED_POSTGRES_PORT, database: 'carewatch' }),
    );
    stops.push({ name: 'PostgreSQL', stop: db.stop });
    embeddedUrl = db.url;
  }
  const databaseUrl = config.DATABASE_URL ?? embeddedUrl!;

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let temporalUi = "your Temporal server's UI";
  let temporalWhat = 'your Temporal server';
  if (temporalAddress) {
    await timed(`checking Temporal at ${temporalAddress}`, () => waitForTemporal(temporalAddress!, 15_000));
  } else {
    const label = { dev: 'the Temporal dev server', server: 'the Temporal server on PostgreSQL', cluster: 'a two-node Temporal cluster on PostgreSQL' }[backend];
    const dir = path.join(dataDir, backend === 'dev' ? 'temporal' : 'temporal-server');
    // The real server logs its members' comings and goings at WARN: kept in a file, not the terminal.
    fs.mkdirSync(dir, { recursive: true });
    const serverLog = backend === 'dev' ? undefined : fs.createWriteStream(path.join(dir, 'temporal.log'), { flags: 'a' });
    if (serverLog) say(`  Temporal server log: ${serverLog.path}`);
    const runtime = await timed(`starting ${label}`, () =>
      startTemporal({
        backend,
        dir,
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        codecEndpoint: `http://localhost:${config.PORT}/codec`,
        db: backend === 'dev' ? undefined : temporalDatabaseFromUrl(config.TEMPORAL_DB_URL ?? embeddedUrl!),
        onLog: (line) => (serverLog ? serverLog.write(`${line}\n`) : process.stdout.write(`[temporal] ${line}\n`)),
        onStep: (line) => say(`  ${line}`),
      }),
    );
    // A crashed node is started again on its own config, like the worker and the API.
    const watched = runtime.nodes.map((node) => keepRunning(node, { name: `Temporal ${node.name}`, log: say }));
    stops.push({
      name: label,
      stop: async () => {
        watched.forEach((w) => w.stop());
        await runtime.stop();
      },
    });
    temporalAddress = runtime.address;
    temporalUi = runtime.uiUrl ?? temporalUi;
    temporalWhat =
      backend === 'cluster'
        ? `${runtime.nodes.length} nodes (${runtime.nodes.map((n) => n.address).join(', ')}) behind ${runtime.address}`
        : backend === 'server'
          ? 'Temporal server on PostgreSQL'
          : 'dev server';
  }
  await timed('applying database migrations', () => deployMigrations(databaseUrl));
  recordDatabaseUrl(dataDir, databaseUrl);

  let smtpUrl = config.SMTP_URL;
  let mailWhere = `the SMTP relay at ${smtpUrl}`;
  if (!smtpUrl) {
    const sink = await startMailSink({ outbox: path.join(dataDir, 'outbox'), smtpPort: config.MAIL_SINK_SMTP_PORT, webPort: config.MAIL_SINK_WEB_PORT });
    stops.push({ name: 'mail sink', stop: sink.close });
    smtpUrl = sink.smtpUrl;
    mailWhere = `${sink.webUrl} (files in ${path.relative(process.cwd(), sink.outbox) || sink.outbox})`;
  }

  const publicUrl = `http://localhost:${config.PORT}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: config.NODE_ENV,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    DATABASE_URL: databaseUrl,
    SMTP_URL: smtpUrl,
    PORT: String(config.PORT),
    PUBLIC_URL: process.env.PUBLIC_URL ?? publicUrl,
    LINK_SIGNING_SECRET: config.LINK_SIGNING_SECRET ?? devLinkSecret(dataDir),
    ...(config.PAYLOAD_KEYS && config.PAYLOAD_ACTIVE_KEY_ID ? { PAYLOAD_KEYS: config.PAYLOAD_KEYS, PAYLOAD_ACTIVE_KEY_ID: config.PAYLOAD_ACTIVE_KEY_ID } : devPayloadKeys(dataDir)),
    TEMPORAL_UI_ORIGIN: process.env.TEMPORAL_UI_ORIGIN ?? `http://localhost:${config.TEMPORAL_UI_PORT}`,
    WORKER_METRICS_ADDRESS: `127.0.0.1:${config.WORKER_METRICS_PORT}`,
    WORKER_METRICS_URL: `http://127.0.0.1:${config.WORKER_METRICS_PORT}/metrics`,
  };
  // Supervised: a crashed worker or API is restarted with backoff; the others keep running.
  superviseChild('worker', 'worker/main.ts', childEnv);
  superviseChild('API', 'api/main.ts', childEnv);

  say('CareWatch is running:');
  say(`  API          ${publicUrl}  (health: ${publicUrl}/healthz, OpenAPI: ${publicUrl}/openapi.json)`);
  say(`  Temporal     ${temporalWhat}`);
  say(`  Temporal UI  ${temporalUi}  (gRPC ${temporalAddress})`);
  say(`  Mail         ${mailWhere}`);
  say(`  Data         ${dataDir}`);
  say('Press Ctrl-C to stop everything.');
}

runMain('start', main, async () => {
  await shutdown(1);
});
