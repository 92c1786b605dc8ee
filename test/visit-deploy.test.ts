import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import request from 'supertest';
import { createApp } from '../api/app';
import { dataConverter } from '../lib/data-converter';
import { createWorker } from '../worker/create-worker';
import { SA } from '../config/search-attributes';
import { checkInSignal, checkOutSignal, visitStartOptions, visitWorkflowId } from '../workflows/visit-contract';
import { as, testAppDeps } from './helpers/api';
import { connectDevServer, createTestWorker, serversSuite, testPayloadKeys } from './helpers/temporal';
import { eventually } from './helpers/eventually';
import { asWorker, count, eventsOf, requestedNow, visitInput } from './helpers/visits';

// Visits running when 'visit-v2' is deployed keep their old code (it replays their history)
// and must keep accepting what the new API sends them: signals instead of updates.
describe('A visit started before the deploy (dev server, PostgreSQL)', () => {
  const suite = serversSuite(connectDevServer);

  /** A worker running the bundle as it was before 'visit-v2' (and before `currentVisitWorkflow` and `visitWorkflowV3`). */
  async function oldWorker() {
    const { env, harness } = suite;
    const legacyBundle = path.join(process.env.TEST_ROOT!, 'legacy-visit-bundle.js');
    if (!fs.existsSync(legacyBundle)) {
      const bundle = await bundleWorkflowCode({
        workflowsPath: require.resolve('./support/legacy-visit-workflows'),
        logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
      });
      fs.writeFileSync(legacyBundle, bundle.code);
    }
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: harness.taskQueue,
      activities: harness.activities,
      dataConverter: dataConverter(testPayloadKeys()),
      workflowBundlePath: legacyBundle,
    });
    return { worker, running: worker.run() };
  }

  it('When the new API checks in on a visit the old code started, before and after the worker is replaced, then each check-in is recorded', async () => {
    const { env, harness } = suite;
    const app = createApp(testAppDeps(env, harness));

    const { worker: old, running: oldRunning } = await oldWorker();
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

  it('When a visit starts as visitWorkflowV3 while only an old worker polls, then that worker cannot run it, and a current worker runs it from its start, asking no patch and writing no search attribute at its start', async () => {
    const { env, harness } = suite;
    const { worker: old, running: oldRunning } = await oldWorker();
    const { input } = visitInput({ startMs: Date.now(), risk: 'medium', searchAttributes: true });
    const handle = await env.client.workflow.start('visitWorkflowV3', { ...visitStartOptions(requestedNow(input)), taskQueue: harness.taskQueue });
    const failed = await eventually(async () => (await handle.fetchHistory()).events?.find((e) => e.workflowTaskFailedEventAttributes), 15_000);
    expect(failed?.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/visitWorkflowV3/);
    expect(await harness.db.visitEvent.count({ where: { visitId: input.visitId } })).toBe(0);
    // Kept before any task of the visit completes: its handler runs in the same task as the start.
    await handle.signal(checkInSignal, asWorker(input));
    old.shutdown();
    await oldRunning;

    const current = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
    const running = current.run();
    try {
      await eventually(async () => (await handle.fetchHistory()).events?.some((e) => e.workflowTaskCompletedEventAttributes), 30_000);
      await handle.signal(checkOutSignal, asWorker(input));
      await handle.result();
      // Nobody wrote the start record here (as when a starter dies after starting): the check-in's record carried it,
      // and the start is event 1, as a starter writes it, though the check-in was handled in the same task.
      const events = await eventsOf(harness.db, input.visitId, (t) => t.includes('checked-out'));
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, 'visit-started'],
        [2, 'checked-in'],
        [3, 'checked-out'],
      ]);
      // Check-out is the first change operators filter on (closed), and the only upsert.
      const upserts = (await handle.fetchHistory()).events?.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes || e.markerRecordedEventAttributes);
      expect(upserts?.map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort())).toEqual([
        ['CareEscalationLevel', 'CareNextDeadline', 'CareStatus'],
      ]);
      expect((await handle.describe()).typedSearchAttributes.get(SA.status)).toBe('closed');
    } finally {
      current.shutdown();
      await running;
    }
  });
});
