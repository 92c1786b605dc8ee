import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/contract';
import { UNTIL_DONE_OPTIONS } from './activity-options';

/** Workflow id for a notice: never contains personal data. */
export const scheduledNoticeWorkflowId = (noticeId: string) => `notice-${noticeId}`;

export interface ScheduledNoticeInput {
  noticeId: string;
  /** ISO time at which the notice must go out. */
  sendAt: string;
  to: string;
  title: string;
  body: string;
}

const { deliverNotification } = proxyActivities<Activities>(UNTIL_DONE_OPTIONS);

/**
 * Sends one notice at a set time, durably: the timer lives in Temporal, so a restart of
 * any process between now and then does not lose it. Also the bare-timer baseline that the
 * benchmark compares the visit workflow against.
 */
export async function scheduledNoticeWorkflow(input: ScheduledNoticeInput): Promise<{ sentAt: string }> {
  const waitMs = Date.parse(input.sendAt) - Date.now();
  if (waitMs > 0) await sleep(waitMs);
  const result = await deliverNotification({
    idempotencyKey: `${workflowInfo().workflowId}:notice`,
    to: input.to,
    template: 'scheduled-notice',
    data: { title: input.title, body: input.body },
    subjectType: 'notice',
    subjectId: input.noticeId,
  });
  return { sentAt: result.sentAt };
}
