import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import type { AppDeps } from '../../api/deps';
import { issueToken } from '../../api/http/credentials';
import { startAuditChainer } from '../../lib/audit';
import type { Db } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { connectDevServer, createHarness, createTestWorker, LINK_SECRET, PUBLIC_URL, testDb, testPayloadKeys, type Harness } from './temporal';

/** The API on the dev server with a running worker: real time, search attributes, list and count. */
export interface ApiHarness {
  env: TestWorkflowEnvironment;
  harness: Harness;
  app: Express;
  /** Another app on the same servers with some settings changed (tight rate limits, CORS origins). */
  appWith(config: Partial<AppDeps['config']>): Express;
  close(): Promise<void>;
}

/** What the API is built from in tests: the test servers' client, database and mail, silent logs. */
export function testAppDeps(env: TestWorkflowEnvironment, harness: Harness, logName = 'api-test'): AppDeps {
  return {
    config: { TEMPORAL_TASK_QUEUE: harness.taskQueue, TEMPORAL_NAMESPACE: env.namespace ?? 'default', PUBLIC_URL, LINK_SIGNING_SECRET: LINK_SECRET, ...testPayloadKeys() },
    temporal: env.client,
    db: harness.db,
    channel: harness.channel,
    log: createLogger(logName, { level: 'silent', env: 'production' }),
  };
}

export async function startApi(): Promise<ApiHarness> {
  const env = await connectDevServer();
  const harness = await createHarness();
  const worker: Worker = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
  const running = worker.run();
  // As the worker process does (worker/main.ts).
  const chainer = startAuditChainer(harness.db);
  const deps = testAppDeps(env, harness);
  return {
    env,
    harness,
    app: createApp(deps),
    appWith: (config) => createApp({ ...deps, config: { ...deps.config, ...config } }),
    async close() {
      worker.shutdown();
      await running;
      await chainer.stop();
      await harness.close();
      await env.teardown();
    },
  };
}

let db: Db | undefined;
const tokens = new Map<string, Promise<{ authorization: string }>>();
afterAll(async () => {
  await db?.$disconnect();
  db = undefined;
  tokens.clear();
});

/** How a test user appears in the directory: the name and address alerts use. */
export interface Profile {
  name?: string;
  email?: string;
}

/** The on-call address every test team's visits end their ladder with. */
export const onCallOf = (team: string) => `oncall@${team}.teams.carewatch.test`;

/**
 * A user (and team) in `into`, created if absent, with a fresh bearer token; `as` caches these
 * for the test database. A new team gets an on-call contact, as a visit needs one to start.
 */
export async function signUp(id: string, role: string, team: string | undefined, into: Db = (db ??= testDb()), profile: Profile = {}): Promise<{ authorization: string }> {
  const db = into;
  // Insert-if-absent: test files sign people up concurrently.
  if (team) await db.team.createMany({ data: [{ id: team, name: team, onCallName: 'On-call Desk', onCallEmail: onCallOf(team) }], skipDuplicates: true });
  const fits = async (userId: string) => {
    const email = profile.email && userId === id ? profile.email : `${userId}@users.carewatch.test`;
    await db.user.createMany({ data: [{ id: userId, email, name: profile.name ?? id, role, teamId: team ?? null }], skipDuplicates: true });
    const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
    return user.role === role && (user.teamId ?? undefined) === team;
  };
  // Test files share the database and reuse short ids ('prac-1' in each file's own team): the
  // first one gets the id itself, later ones with another role or team get `<id>@<team>/<role>`.
  // A test that needs the exact id (a plan's lead practitioner) gives it a unique one.
  const userId = (await fits(id)) ? id : `${id}@${team ?? '-'}/${role}`;
  if (userId !== id && !(await fits(userId))) throw new Error(`Cannot sign up ${userId}`);
  const { token } = await issueToken(db, userId, { kind: 'api', name: 'test' });
  return { authorization: `Bearer ${token}` };
}

/**
 * Headers of a real bearer token for this user, created (with its team) on first use, so
 * requests go through the same authentication as production. Write `.set(await as(...))`.
 */
export function as(id: string, role: string, team?: string, profile: Profile = {}): Promise<{ authorization: string }> {
  const key = `${id}\n${role}\n${team ?? ''}\n${profile.name ?? ''}\n${profile.email ?? ''}`;
  if (!tokens.has(key)) tokens.set(key, signUp(id, role, team, undefined, profile));
  return tokens.get(key)!;
}

/** Personal data a test puts through the service under `tag`, to look for where it must not be. */
export const personalDataOf = (tag: string) => ({
  workerName: `Wendy Worker-${tag}`,
  workerEmail: `worker-${tag}@example.org`,
  buddyName: `Bob Buddy-${tag}`,
  buddyEmail: `buddy-${tag}@example.org`,
  address: `3 Mill Lane ${tag}, York YO1 7HH`,
  redFlag: `Raised voices next door ${tag}`,
  planText: `Nephew takes her pension ${tag}`,
});
