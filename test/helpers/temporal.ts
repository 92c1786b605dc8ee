import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities';
import { dataConverter, type PayloadKeyConfig } from '../../lib/data-converter';
import { createDb, type Db } from '../../lib/db';
import { createEmailChannel, type NotificationChannel } from '../../lib/mailer';
import { createWorker } from '../../worker/create-worker';
import { startSmtpSink, type SmtpSink } from './smtp-sink';

export const PUBLIC_URL = 'http://carewatch.test';
export const LINK_SECRET = 'test-link-signing-secret-of-at-least-32-chars';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through jest so the global setup starts the servers`);
  return value;
}

/** The keys the global setup generated for this run: every test client and worker encrypts with them. */
export function testPayloadKeys(): PayloadKeyConfig {
  return { PAYLOAD_KEYS: required('TEST_PAYLOAD_KEYS'), PAYLOAD_ACTIVE_KEY_ID: required('TEST_PAYLOAD_ACTIVE_KEY_ID') };
}

/**
 * The Java time-skipping server through its exec wrapper. The SDK gives it ~5 s to answer;
 * a loaded machine can miss that once, so starting is retried.
 */
export async function startTimeSkipping(attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: required('TEST_SERVER_PATH') } },
        client: { dataConverter: dataConverter(testPayloadKeys()) },
      });
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}

/** The dev server shared by the run: for list/count, Schedules and search attributes. */
export function connectDevServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: required('TEST_TEMPORAL_ADDRESS'), client: { dataConverter: dataConverter(testPayloadKeys()) } });
}

export function testDb(): Db {
  return createDb(required('TEST_DATABASE_URL'), { poolSize: 4 });
}

/** Real dependencies pointed at test servers: PostgreSQL, an SMTP sink and a mail channel. */
export interface Harness {
  db: Db;
  smtp: SmtpSink;
  channel: NotificationChannel;
  activities: Activities;
  taskQueue: string;
  close(): Promise<void>;
}

/** `overrides` replaces activities; as a function it can wrap the real ones (to inject a crash). */
export async function createHarness(overrides: Partial<Activities> | ((real: Activities) => Partial<Activities>) = {}): Promise<Harness> {
  const db = testDb();
  const smtp = await startSmtpSink();
  const channel = createEmailChannel(smtp.url, 'CareWatch <no-reply@carewatch.test>');
  const real = createActivities({ db, channel, publicUrl: PUBLIC_URL, linkSecret: LINK_SECRET });
  const activities = { ...real, ...(typeof overrides === 'function' ? overrides(real) : overrides) };
  return {
    db,
    smtp,
    channel,
    activities,
    taskQueue: `test-${randomUUID()}`,
    async close() {
      channel.close();
      await smtp.close();
      await db.$disconnect();
    },
  };
}

/** A worker on the bundle built once by the global setup. */
export function createTestWorker(connection: NativeConnection, namespace: string, harness: Pick<Harness, 'activities' | 'taskQueue'>): Promise<Worker> {
  return createWorker({
    connection,
    namespace,
    taskQueue: harness.taskQueue,
    activities: harness.activities,
    dataConverter: dataConverter(testPayloadKeys()),
    workflowBundlePath: required('WORKFLOW_BUNDLE_PATH'),
  });
}

/** Replays on the bundle built by the global setup, decoding payloads as the workers encoded them. */
export function replayOptions(): { workflowBundle: { codePath: string }; dataConverter: ReturnType<typeof dataConverter> } {
  return { workflowBundle: { codePath: required('WORKFLOW_BUNDLE_PATH') }, dataConverter: dataConverter(testPayloadKeys()) };
}

/** Starts a one-input workflow on a suite's task queue. */
export function startOnSuite<I, R>(suite: { env: TestWorkflowEnvironment; harness: Harness }, workflow: (input: I) => Promise<R>, workflowId: string, input: I) {
  return suite.env.client.workflow.start(workflow, { workflowId, taskQueue: suite.harness.taskQueue, args: [input] });
}

/** A server and real dependencies for the tests of one describe block, which run their own workers. */
export function serversSuite(start: () => Promise<TestWorkflowEnvironment>): { env: TestWorkflowEnvironment; harness: Harness } {
  const suite = { env: undefined as never as TestWorkflowEnvironment, harness: undefined as never as Harness };
  beforeAll(async () => {
    suite.env = await start();
    suite.harness = await createHarness();
  });
  afterAll(async () => {
    await suite.harness?.close();
    await suite.env?.teardown();
  });
  return suite;
}

/** A time-skipping server, real dependencies and a running worker for the tests of one describe block. */
export function timeSkippingSuite(overrides?: Parameters<typeof createHarness>[0]): { env: TestWorkflowEnvironment; harness: Harness } {
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const suite = { env: undefined as never as TestWorkflowEnvironment, harness: undefined as never as Harness };
  beforeAll(async () => {
    suite.env = await startTimeSkipping();
    suite.harness = await createHarness(overrides);
    worker = await createTestWorker(suite.env.nativeConnection, suite.env.namespace ?? 'default', suite.harness);
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await suite.harness?.close();
    await suite.env?.teardown();
  });
  return suite;
}

/**
 * Terminates a test's workflow once no activity or workflow task of it is in flight. An activity whose workflow
 * was terminated under it (an answer written, its completion not yet reported) keeps the
 * time-skipping server from skipping time until it times out: the next test's sleep of days
 * then took two minutes of real time.
 */
export async function terminateWhenQuiet(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { raw } = await handle.describe();
    if (!raw.pendingActivities?.length && !raw.pendingWorkflowTask) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await handle.terminate('test over');
}
