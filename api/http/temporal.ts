import type { Client, WorkflowStartOptions } from '@temporalio/client';
import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import type { Workflow } from '@temporalio/common';
import { RequestRefusedError } from '../../lib/workflow-requests';
import { AppError, conflict, notFound } from './errors';

// gRPC codes for a request Temporal turned away before acting on it: the caller may repeat it.
const TURNED_AWAY = new Set([8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

function turnedAway(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } }).cause?.code;
  return err instanceof ServiceError && typeof code === 'number' && TURNED_AWAY.has(code);
}

/** Turns what Temporal says into what the caller needs: 404, or 409 with the workflow's reason. */
export async function temporalCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(what);
    if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? err.message);
    if (err instanceof RequestRefusedError) throw conflict(err.message);
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`A ${what.toLowerCase()} with this id already exists`);
    if (turnedAway(err)) throw new AppError(503, 'temporal_busy', 'The workflow service is busy or unreachable and did not act on this request; try again in a few seconds.');
    throw err;
  }
}

/** Once the case was found, a missing run means it has finished: a conflict saying so, not a 404. */
export const endedIfGone =
  (message: string) =>
  (err: unknown): never => {
    throw err instanceof AppError && err.status === 404 ? conflict(message) : err;
  };

/** Starts a workflow whose id may be used once ever, even after it closed: a reused id is 409. */
export async function startOnce<W extends Workflow>(temporal: Client, what: string, workflow: W, options: WorkflowStartOptions<W>): Promise<void> {
  await temporalCall(what, () => temporal.workflow.start(workflow, { ...options, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE }));
}
