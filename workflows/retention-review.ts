import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** The one schedule that runs the review; its workflow ids carry no personal data. */
export const RETENTION_SCHEDULE_ID = 'retention-review';

/** Years each record type is kept after it ends (configuration, passed in by the schedule). */
export interface RetentionPolicy {
  planYears: number;
  visitYears: number;
}

export interface RetentionRunResult {
  disposed: number;
  listed: number;
}

const { disposeDecidedRecords, listRecordsDueForReview } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

/**
 * Disposes what someone decided to dispose since the last run, then lists the records whose
 * retention period has run out for a decision. It never decides: deletion follows a recorded
 * decision only.
 */
export async function retentionReviewWorkflow(policy: RetentionPolicy): Promise<RetentionRunResult> {
  const { runId } = workflowInfo();
  const disposed = await disposeDecidedRecords({ runId });
  const listed = await listRecordsDueForReview({ runId, at: new Date(Date.now()).toISOString(), policy, disposed });
  return { disposed, listed };
}
