import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/contract';
import type { RetentionPolicy, RetentionRunResult } from './retention-contract';

export { RETENTION_SCHEDULE_ID, type RetentionPolicy, type RetentionRunResult } from './retention-contract';

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
