import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ask } from '../lib/workflow-requests';
import { planWorkflow } from '../workflows/plan';
import { goLiveUpdate, planWorkflowId } from '../workflows/plan-contract';
import { eventually } from './helpers/eventually';
import { manager, planInput } from './helpers/plans';
import { connectDevServer, createHarness, createTestWorker, type Harness } from './helpers/temporal';

// A request kept before a case's first workflow task reaches the request signal's handler as the
// run sets it, before the run serves its updates (workflows/requests.ts): it must still be decided.
describe('A request sent before any worker has run the case (dev server, PostgreSQL)', () => {
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

  it('When a plan is put live before any worker has run it, then once one does the plan goes live and the answer says so', async () => {
    const input = planInput(Date.now());
    const handle = await env.client.workflow.start(planWorkflow, { workflowId: planWorkflowId(input.planId), taskQueue: harness.taskQueue, args: [input] });
    const asked = await ask(harness.db, handle, goLiveUpdate, [{ by: manager }], { actorId: manager.actorId, waitMs: 200 });
    expect(asked.answered).toBe(false);

    const worker = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
    await worker.runUntil(async () => {
      const answer = await eventually(async () => {
        const row = await harness.db.workflowRequest.findUniqueOrThrow({ where: { id: asked.requestId } });
        return row.status === 'pending' ? null : row;
      });
      expect(answer).toMatchObject({ status: 'done', result: { status: 'live' }, message: null });
    });
  });
});
