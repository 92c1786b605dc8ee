// The simplest design that could send the alert: sleep until the deadline, send one email.
// It has its own bundle and task queue (baseline-worker.ts) and never enters the service's.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-activities';

export interface BaselineInput {
  to: string;
  /** When the alert is due (ms since the epoch). */
  dueAtMs: number;
  data: Record<string, unknown>;
}

const { sendAlert } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

export async function baselineWorkflow(input: BaselineInput): Promise<void> {
  await sleep(Math.max(1, input.dueAtMs - Date.now()));
  await sendAlert(input.to, input.data);
}
