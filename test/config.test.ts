import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { apiEnvSchema, ConfigError, launcherEnvSchema, loadConfig, workerEnvSchema } from '../config/env';
import { DEFAULT_MAX_CONCURRENT_ACTIVITIES, workerTuning } from '../worker/create-worker';

const root = path.resolve(__dirname, '..');
const valid = {
  DATABASE_URL: 'postgresql://u:p@localhost:5432/db',
  SMTP_URL: 'smtp://localhost:2525',
  LINK_SIGNING_SECRET: 'x'.repeat(32),
  PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  PAYLOAD_ACTIVE_KEY_ID: 'k1',
};

/** Runs an entry point as its own process with exactly this environment. */
function runEntry(entry: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(root, entry)], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('Configuration is validated before anything starts', () => {
  it('When every variable is valid, then defaults fill the rest', () => {
    const config = loadConfig(apiEnvSchema, valid);
    expect(config).toMatchObject({ PORT: 3000, TEMPORAL_ADDRESS: 'localhost:7233', TEMPORAL_TASK_QUEUE: 'carewatch' });
  });

  it('When the worker tuning is unset, then local activities (each a transaction) get at most half the DB pool and activities 40; set values win', () => {
    expect(workerTuning(loadConfig(workerEnvSchema, valid))).toEqual({
      maxConcurrentLocalActivityExecutions: 10,
      maxConcurrentActivityTaskExecutions: DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    });
    expect(workerTuning(loadConfig(workerEnvSchema, { ...valid, WORKER_DB_POOL_SIZE: '6' }))).toMatchObject({ maxConcurrentLocalActivityExecutions: 3 });
    expect(workerTuning(loadConfig(workerEnvSchema, { ...valid, WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '25', WORKER_MAX_CACHED_WORKFLOWS: '2000' }))).toMatchObject({
      maxConcurrentLocalActivityExecutions: 25,
      maxCachedWorkflows: 2000,
    });
  });

  it('When several variables are wrong, then one error names each of them', () => {
    const attempt = () => loadConfig(workerEnvSchema, { ...valid, DATABASE_URL: 'mysql://x', SMTP_URL: undefined, LINK_SIGNING_SECRET: 'short' });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toContain('DATABASE_URL: must be a postgresql:// URL');
    expect(message).toContain('SMTP_URL: is required but not set');
    expect(message).toContain('LINK_SIGNING_SECRET: must be at least 32 characters');
  });

  it('When PORT is not a port, then the launcher refuses it', () => {
    expect(() => loadConfig(launcherEnvSchema, { PORT: '70000' })).toThrow(/PORT: /);
  });

  it.each([
    ['worker/main.ts', { ...valid, TEMPORAL_ADDRESS: 'not an address' }, 'TEMPORAL_ADDRESS: must be host:port'],
    ['api/main.ts', { ...valid, PORT: 'abc' }, 'PORT: '],
    ['scripts/start.ts', { SMTP_URL: 'http://mail' }, 'SMTP_URL: must be an smtp:// or smtps:// URL'],
  ])('When %s starts with bad configuration, then it exits 78 with a message naming the variable', (entry, env, expected) => {
    const result = runEntry(entry, env as Record<string, string>);
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain(expected);
  });
});
