// One safeguarding plan lived for years of monthly reviews on the time-skipping server:
// how many history events each continue-as-new run carries, and how long it all takes.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { ensureTestServer } from '../infra/test-server';
import { dataConverter as createDataConverter, type PayloadKeyConfig } from '../lib/data-converter';
import { createDb } from '../lib/db';
import { createEmailChannel } from '../lib/mailer';
import { planInput, review } from '../test/helpers/plans';
import { createWorker } from '../worker/create-worker';
import { planWorkflow } from '../workflows/plan';
import { goLiveUpdate, planStateQuery, planWorkflowId, recordReviewUpdate } from '../workflows/plan-contract';
import { addDays, dateStartMs, toDateString } from '../workflows/working-days';

export interface LongevityFigures {
  months: number;
  reviews: number;
  runs: number;
  eventsPerRun: number[];
  emailsSent: number;
  wallSeconds: number;
}

const DAY_MS = 86_400_000;
const by = { actorId: 'bench-practitioner', actorRole: 'practitioner' } as const;

/** The SDK gives the Java server ~5 s to answer; a loaded machine can miss that, so starting is retried. */
async function startTimeSkipping(dataConverter: ReturnType<typeof createDataConverter>, attempts = 3): Promise<TestWorkflowEnvironment> {
  const path = await ensureTestServer();
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } }, client: { dataConverter } });
    } catch (err) {
      if (attempt >= attempts) throw err;
    }
  }
}

export async function planLongevity(options: {
  months: number;
  databaseUrl: string;
  smtpUrl: string;
  publicUrl: string;
  linkSecret: string;
  payloadKeys: PayloadKeyConfig;
}): Promise<LongevityFigures> {
  const started = Date.now();
  const converter = createDataConverter(options.payloadKeys);
  const env = await startTimeSkipping(converter);
  const db = createDb(options.databaseUrl, { poolSize: 4 });
  const channel = createEmailChannel(options.smtpUrl, 'CareWatch <no-reply@carewatch.local>');
  const taskQueue = 'bench-plan';
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    dataConverter: converter,
    activities: createActivities({ db, channel, publicUrl: options.publicUrl, linkSecret: options.linkSecret }),
  });
  try {
    return await worker.runUntil(async () => {
      const now = await env.currentTimeMs();
      const input = planInput(now, { firstReviewDate: toDateString(now + 30 * DAY_MS) });
      const handle = await env.client.workflow.start(planWorkflow, { workflowId: planWorkflowId(input.planId), taskQueue, args: [input] });
      await handle.executeUpdate(goLiveUpdate, { args: [{ by }] });
      for (let month = 1; month <= options.months; month++) {
        const { review: due } = await handle.query(planStateQuery);
        // The review meets on its date, after that day's reminders went out.
        const meetsAt = dateStartMs(due!.dueDate) + 12 * 3_600_000;
        await env.sleep(Math.max(1, meetsAt - (await env.currentTimeMs())));
        const today = toDateString(await env.currentTimeMs());
        await handle.executeUpdate(recordReviewUpdate, { args: [{ ...review('continue_unchanged', today, { nextReviewDate: addDays(today, 30) }), by }] });
      }
      const eventsPerRun: number[] = [];
      for (let runId: string | undefined = handle.firstExecutionRunId; runId;) {
        const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        eventsPerRun.push(history.events?.length ?? 0);
        runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      const state = await handle.query(planStateQuery);
      await handle.terminate('bench over');
      return {
        months: options.months,
        reviews: options.months,
        runs: state.runs,
        eventsPerRun,
        emailsSent: await db.notificationDelivery.count({ where: { subjectId: input.planId, status: 'sent' } }),
        wallSeconds: Math.round((Date.now() - started) / 100) / 10,
      };
    });
  } finally {
    channel.close();
    await db.$disconnect();
    await env.teardown();
  }
}
