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
  const create = () => client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' } });
  try {
    return await create();
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(scheduleId);
    try {
      await handle.update((previous) => ({ ...previous, spec, action }));
      return handle;
    } catch (readErr) {
      if (!undecryptable(readErr)) throw readErr;
      // Written under a payload key this worker no longer holds (rotated out, or another
      // stack's): it holds only our own configuration, so it is written anew under ours.
      await handle.delete();
      return create();
    }
  }
}

/** The codec's refusals: a key id it does not hold, or a payload its key does not open. */
const undecryptable = (err: unknown) => err instanceof Error && /which is not configured|unable to authenticate data/.test(err.message);
