import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../api/app';
import { deployMigrations } from '../infra/migrations';
import { createDb, type Db } from '../lib/db';
import { createLogger } from '../lib/logger';
import { eventually } from './helpers/eventually';
import { freePort } from './setup/global-setup';
import { LINK_SECRET, PUBLIC_URL, testPayloadKeys } from './helpers/temporal';

const exec = promisify(execFile);

describe('npm run users: the first admin, users, passwords and tokens from a shell (PostgreSQL)', () => {
  // A database of its own: "the first admin" must mean the first in that database.
  const name = `users_cmd_${randomUUID().slice(0, 8)}`;
  const url = new URL(process.env.TEST_DATABASE_URL!);
  let db: Db;

  beforeAll(async () => {
    const admin = new Client({ connectionString: url.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    url.pathname = `/${name}`;
    await deployMigrations(url.toString());
    db = createDb(url.toString(), { poolSize: 2 });
  });
  afterAll(() => db?.$disconnect());

  /** Runs the command; `env` says where it finds the database (by default DATABASE_URL names this test's). */
  async function users(args: string[], stdin?: string, env: NodeJS.ProcessEnv = { DATABASE_URL: url.toString() }): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = exec(process.execPath, ['--import', 'tsx', 'scripts/users.ts', ...args], { env: { ...process.env, DATABASE_URL: undefined, DATA_DIR: undefined, ...env } });
    if (stdin !== undefined) child.child.stdin!.end(stdin);
    else child.child.stdin!.end();
    return child.then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
    );
  }

  it('When the first admin is created, then their printed token works; users, passwords and tokens follow; a second first admin is refused', async () => {
    // The API here needs no Temporal: these endpoints only touch the database.
    const app = createApp({
      config: { TEMPORAL_TASK_QUEUE: 'unused', TEMPORAL_NAMESPACE: 'default', PUBLIC_URL, LINK_SIGNING_SECRET: LINK_SECRET, ...testPayloadKeys() },
      temporal: undefined as never,
      db,
      channel: undefined as never,
      log: createLogger('users-test', { level: 'silent', env: 'production' }),
    });
    const first = await users(['create-admin', '--email', 'Ada@Council.example', '--name', 'Ada Admin']);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^cw_[A-Za-z0-9_-]{43}\n$/) });
    const me = await request(app).get('/auth/me').set('authorization', `Bearer ${first.stdout.trim()}`).expect(200);
    expect(me.body).toMatchObject({ email: 'ada@council.example', role: 'admin', team: null });
    expect((await users(['create-admin', '--email', 'other@council.example', '--name', 'Other'])).code).not.toBe(0);

    const made = await users(['create', '--email', 'w@north.example', '--name', 'Wendy', '--role', 'worker', '--team', 'north', '--id', 'w-1']);
    expect(made).toMatchObject({ code: 0, stdout: '', stderr: expect.stringContaining('Created worker w@north.example (id w-1, team north)') });
    expect((await users(['create', '--email', 'x@north.example', '--name', 'X', '--role', 'buddy'])).stderr).toContain('role');

    expect((await users(['set-password', '--email', 'w@north.example', '--password-stdin'], 'a long enough passphrase\n')).code).toBe(0);
    const session = await request(app).post('/auth/login').send({ email: 'w@north.example', password: 'a long enough passphrase' }).expect(200);
    expect(session.body.user).toEqual({ id: 'w-1', name: 'Wendy', email: 'w@north.example', role: 'worker', team: 'north', timeZone: 'Europe/London' });
    const generated = await users(['set-password', '--email', 'w@north.example']);
    expect(generated.stdout.trim().length).toBeGreaterThanOrEqual(20);
    await request(app).get('/auth/me').set('authorization', `Bearer ${session.body.token}`).expect(401);

    const issued = await users(['issue-token', '--email', 'w@north.example', '--name', 'phone', '--days', '30']);
    const token = issued.stdout.trim();
    await request(app).get('/auth/me').set('authorization', `Bearer ${token}`).expect(200);
    const row = await db.apiToken.findFirstOrThrow({ where: { user: { email: 'w@north.example' }, name: 'phone' } });
    expect(row.expiresAt!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await users(['revoke-token', '--id', row.id])).stderr).toContain('Revoked');
    await request(app).get('/auth/me').set('authorization', `Bearer ${token}`).expect(401);
    expect((await users(['list'])).stderr).toContain('w-1\tworker\tnorth\tw@north.example\tWendy');
  });

  it("When a team's on-call contact, time zone and default manager are set, then the directory holds them; a bad zone or a manager of another team is refused", async () => {
    await users(['create', '--email', 'm@north.example', '--name', 'Mina', '--role', 'manager', '--team', 'north', '--id', 'm-1']);
    await users(['create', '--email', 'm@south.example', '--name', 'Sol', '--role', 'manager', '--team', 'south', '--id', 'm-9']);
    const set = await users([
      'team',
      '--id',
      'north',
      '--on-call-name',
      'North desk',
      '--on-call-email',
      'Desk@North.example',
      '--time-zone',
      'Europe/Dublin',
      '--default-manager',
      'm-1',
    ]);
    expect(set).toMatchObject({
      code: 0,
      stderr: expect.stringContaining('Team north (north): time zone Europe/Dublin; on-call North desk <desk@north.example>; default manager m-1'),
    });
    expect(await db.team.findUniqueOrThrow({ where: { id: 'north' } })).toMatchObject({
      timeZone: 'Europe/Dublin',
      onCallName: 'North desk',
      onCallEmail: 'desk@north.example',
      defaultManagerId: 'm-1',
    });
    const badZone = await users(['team', '--id', 'north', '--time-zone', 'Mars/Olympus_Mons']);
    expect(badZone).toMatchObject({ code: 65, stderr: expect.stringContaining('timeZone: not a time zone') });
    const otherTeams = await users(['team', '--id', 'north', '--default-manager', 'm-9']);
    expect(otherTeams).toMatchObject({ code: 65, stderr: expect.stringContaining('m-9 is not an active manager of team north') });
    const fresh = await users(['team', '--id', 'east']);
    expect(fresh.stderr).toContain('Team east (east): time zone Europe/London; on-call NOT SET (visits are refused)');
  });

  it('When npm start runs on a database given to it, then `npm run users` on the same DATA_DIR reaches it with no variable exported; DATABASE_URL still wins', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-users-'));
    const ports = await Promise.all(
      ['PORT', 'TEMPORAL_UI_PORT', 'MAIL_SINK_SMTP_PORT', 'MAIL_SINK_WEB_PORT', 'WORKER_METRICS_PORT'].map(async (k) => [k, String(await freePort())]),
    );
    const start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: {
        ...process.env,
        ...Object.fromEntries(ports),
        DATA_DIR: dataDir,
        DATABASE_URL: url.toString(),
        TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
        // A queue of its own: this stack's worker must not take other tests' workflow tasks.
        TEMPORAL_TASK_QUEUE: `users-cmd-${randomUUID()}`,
        LINK_SIGNING_SECRET: LINK_SECRET,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    start.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    start.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const stopped = new Promise((resolve) => start.once('exit', resolve));
    try {
      await eventually(async () => output.includes('CareWatch is running') || start.exitCode !== null, 90_000);
      expect(output).toContain('CareWatch is running');
      const made = await users(['create', '--email', 'stella@north.example', '--name', 'Stella', '--role', 'worker', '--team', 'north', '--id', 's-1'], undefined, {
        DATA_DIR: dataDir,
      });
      expect(made.code).toBe(0);
      expect(await db.user.findUnique({ where: { id: 's-1' } })).toMatchObject({ email: 'stella@north.example' });
      const elsewhere = await users(['list'], undefined, { DATA_DIR: dataDir, DATABASE_URL: 'postgresql://carewatch:wrong@127.0.0.1:1/none' });
      expect(elsewhere.code).not.toBe(0);
    } finally {
      start.kill('SIGTERM');
      await stopped;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
