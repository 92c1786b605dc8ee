// How workflows call activities: one retry policy, bounded for messages only.
import type { ActivityOptions } from '@temporalio/workflow';

const RETRY = { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' } as const;

/** Retried until done: a record of what happened (nothing recorded may be lost), or a send that is the workflow's only job. */
export const UNTIL_DONE_OPTIONS: ActivityOptions = { startToCloseTimeout: '1 minute', retry: RETRY };

/**
 * A message is retried for about 40 minutes (a relay outage), then given up on: the failure is
 * recorded and the next person is told, so one bad address never holds up a timetable.
 */
export const SEND_OPTIONS: ActivityOptions = { startToCloseTimeout: '1 minute', retry: { ...RETRY, maximumAttempts: 14 } };
