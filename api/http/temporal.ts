import { WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { conflict, notFound } from './errors';

/** Turns what Temporal says into what the caller needs: 404, or 409 with the workflow's reason. */
export async function temporalCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(what);
    if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? err.message);
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`A ${what.toLowerCase()} with this id already exists`);
    throw err;
  }
}
