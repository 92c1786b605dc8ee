import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import { RETENTION_SCHEDULE_ID, retentionReviewWorkflow, type RetentionPolicy } from '../workflows/retention-review';

export interface RetentionScheduleOptions {
  taskQueue: string;
  /** Cron in UTC. */
  cron: string;
  policy: RetentionPolicy;
  /** Tests use their own so runs never meet. */
  scheduleId?: string;
}

/**
 * Creates the retention review schedule, or brings an existing one up to the configured
 * cron and periods: safe to call at every worker start.
 */
export async function ensureRetentionSchedule(client: Client, options: RetentionScheduleOptions) {
  const scheduleId = options.scheduleId ?? RETENTION_SCHEDULE_ID;
  const spec: ScheduleSpec = { cronExpressions: [options.cron] };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: retentionReviewWorkflow,
    workflowId: scheduleId,
    taskQueue: options.taskQueue,
    args: [options.policy],
  };
  try {
    return await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(scheduleId);
    await handle.update((previous) => ({ ...previous, spec, action }));
    return handle;
  }
}
