// Serves a workflow's requests both ways: as the updates they were (histories that accepted one
// replay as before) and through the request signal the API now sends, answered in the database.
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/contract';
import { UNTIL_DONE_OPTIONS } from './activity-options';
import { requestSignal, type RequestAnswer, type WorkflowRequest } from './request-contract';

const { answerRequest } = proxyActivities<Activities>(UNTIL_DONE_OPTIONS);

/**
 * Since this patch a request kept before the case's first workflow task waits for the run to
 * serve its updates. Such a request reaches the signal handler the moment it is set, before the
 * `serve` calls after it: it was refused as "this case takes no … request". Asked only then, so
 * a run that never meets it writes no marker.
 */
const REQUESTS_WAIT_FOR_SERVING = 'requests-wait-for-serving';

interface Served {
  handler(...args: unknown[]): unknown;
  validator?(...args: unknown[]): void;
}

type Outcome = { status: 'done'; result: unknown } | { status: 'refused'; failureType: string; message: string };

const refusal = (err: unknown): Outcome =>
  err instanceof ApplicationFailure
    ? { status: 'refused', failureType: err.type ?? 'ApplicationFailure', message: err.message }
    : { status: 'refused', failureType: 'InvalidRequest', message: err instanceof Error ? err.message : String(err) };

/** The validator's refusal, or the handler's result: a handler's own failure refuses, anything else fails the task (as for an update). */
async function outcomeOf(entry: Served | undefined, { name, args }: WorkflowRequest): Promise<Outcome> {
  if (!entry) return { status: 'refused', failureType: 'UnknownRequest', message: `this case takes no ${name} request` };
  try {
    entry.validator?.(...args);
  } catch (err) {
    return refusal(err);
  }
  try {
    return { status: 'done', result: await entry.handler(...args) };
  } catch (err) {
    if (err instanceof ApplicationFailure) return refusal(err);
    throw err;
  }
}

/**
 * Registers the request signal and returns `serve`, used like `setHandler` for an update: it
 * registers the update and lets the signal reach the same validator and handler. Call it, and
 * `serve` every update, before the workflow's first await: a request kept before the first
 * workflow task is answered once the run has got that far.
 */
export function servingRequests(): <Ret, Args extends unknown[]>(
  update: UpdateDefinition<Ret, Args>,
  handler: (...args: Args) => Ret | Promise<Ret>,
  options?: { validator?: (...args: Args) => void },
) => void {
  const served = new Map<string, Served>();
  setHandler(requestSignal, async (request) => {
    // One microtask: the run's code up to its first await, where every `serve` call is, goes first.
    if (!served.has(request.name) && patched(REQUESTS_WAIT_FOR_SERVING)) await Promise.resolve();
    const outcome = await outcomeOf(served.get(request.name), request);
    const answer: RequestAnswer = { requestId: request.requestId, workflowId: workflowInfo().workflowId, ...outcome };
    await answerRequest(answer);
  });
  return (update, handler, options) => {
    setHandler(update, handler, options);
    served.set(update.name, { handler: handler as Served['handler'], validator: options?.validator as Served['validator'] });
  };
}
