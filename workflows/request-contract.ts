// A request a caller waits on (review, decision, extension), sent as a signal and answered in the
// database: a signal is kept the moment Temporal has it and replays as it ran, whereas an update
// accepted by a worker that had just picked the workflow up cold was once replayed in another
// order than it ran (SDK 1.24.0, test/soak-replay.test.ts), and the workflow was stuck for good.
import { defineSignal } from '@temporalio/workflow';

/** One request: the name of the update it stands for and that update's arguments. */
export interface WorkflowRequest {
  requestId: string;
  name: string;
  args: unknown[];
}

/** What the workflow made of a request: its result, or why it refused. */
export type RequestAnswer =
  { requestId: string; workflowId: string; status: 'done'; result: unknown } | { requestId: string; workflowId: string; status: 'refused'; failureType: string; message: string };

export const requestSignal = defineSignal<[WorkflowRequest]>('request');
