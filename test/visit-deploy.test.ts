import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { createApp } from '../api/app';
import { createLogger } from '../lib/logger';
import { dataConverter } from '../lib/data-converter';
import { createWorker } from '../worker/create-worker';
import { visitWorkflowId } from '../workflows/visit-contract';
import { as } from './helpers/api';
import { connectDevServer, createHarness, createTestWorker, LINK_SECRET, PUBLIC_URL, testPayloadKeys, type Harness } from './helpers/temporal';
import { count, eventsOf, visitInput } from './helpers/visits';

// Visits running when 'visit-v2' is deployed keep their old code (it replays their history)
// and must keep accepting what the new API sends them: signals instead of updates.
describe('A visit started before the deploy (dev server, PostgreSQL)', () => {
  let env: TestWorkflowEnvironment;
  let harness: Harness;

  beforeAll(async () => {
    env = await connectDevServer();
    harness = await createHarness();
  });
  afterAll(async () => {
    await harness?.close();
    await env?.teardown();
  });

  it('When the new API checks in on a visit the old code started, before and after the worker is replaced, then each check-in is recorded', async () => {
    const legacyBundle = path.join(process.env.TEST_ROOT!, 'legacy-visit-bundle.js');
    fs.writeFileSync(
      legacyBundle,
      (
        await bundleWorkflowCode({
          workflowsPath: require.resolve('./support/legacy-visit-workflows'),
          logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
        })
      ).code,
    );
    const options = {
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: harness.taskQueue,
      activities: harness.activities,
      dataConverter: dataConverter(testPayloadKeys()),
    };
    const app = createApp({
      config: { TEMPORAL_TASK_QUEUE: harness.taskQueue, TEMPORAL_NAMESPACE: env.namespace ?? 'default', PUBLIC_URL, LINK_SIGNING_SECRET: LINK_SECRET, ...testPayloadKeys() },
      temporal: env.client,
      db: harness.db,
      channel: harness.channel,
      log: createLogger('api-test', { level: 'silent', env: 'production' }),
    });

    const old = await createWorker({ ...options, workflowBundlePath: legacyBundle });
    const oldRunning = old.run();
    const { input } = visitInput({ startMs: Date.now(), risk: 'medium', searchAttributes: true });
    await env.client.workflow.start('visitWorkflow', { workflowId: visitWorkflowId(input.visitId), taskQueue: harness.taskQueue, args: [input] });
    await eventsOf(harness.db, input.visitId, (t) => t.includes('visit-started'));
    const worker = await as(input.worker.id, 'worker', input.team);
    await request(app).post(`/visits/${input.visitId}/check-in`).set(worker).send({}).expect(202);
    await eventsOf(harness.db, input.visitId, (t) => t.includes('checked-in'));

    // The deploy: the old worker goes, the new one replays the visit's history and carries on.
    old.shutdown();
    await oldRunning;
    const current = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
    const running = current.run();
    try {
      await request(app).post(`/visits/${input.visitId}/check-in`).set(worker).send({}).expect(202);
      await eventsOf(harness.db, input.visitId, (t) => count(t, 'checked-in') === 2);
      await request(app).post(`/visits/${input.visitId}/check-out`).set(worker).send({}).expect(202);
      await env.client.workflow.getHandle(visitWorkflowId(input.visitId)).result();
      const types = (await eventsOf(harness.db, input.visitId, (t) => t.includes('checked-out'))).map((e) => e.type);
      expect(types).toEqual(['visit-started', 'checked-in', 'checked-in', 'checked-out']);
    } finally {
      current.shutdown();
      await running;
    }
  });
});
