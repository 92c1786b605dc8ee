// The simplest design that could send the alert: sleep until the deadline, send one email; a
// check-in (a signal carrying the next deadline) restarts the timer. It has its own bundle
// and task queue (baseline-worker.ts) and never enters the service's.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-activities';

export interface BaselineInput {
  to: string;
  /** When the alert is due (ms since the epoch). */
  dueAtMs: number;
  data: Record<string, unknown>;
}

/** A check-in: the alert is now due at this time (ms since the epoch). */
export const baselineCheckInSignal = defineSignal<[number]>('checkIn');

const { sendAlert } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

export async function baselineWorkflow(input: BaselineInput): Promise<void> {
  let dueAtMs = input.dueAtMs;
  setHandler(baselineCheckInSignal, (next) => {
    dueAtMs = next;
  });
  for (;;) {
    const waitingFor = dueAtMs;
    const checkedIn = await condition(() => dueAtMs !== waitingFor, Math.max(1, waitingFor - Date.now()));
    if (!checkedIn) break;
  }
  await sendAlert(input.to, input.data);
}
