import type { UpdateDefinition, WorkflowHandle } from '@temporalio/client';
import type { Response } from 'express';
import { DEFAULT_REQUEST_ANSWER_WAIT_MS } from '../../config/env';
import { ask } from '../../lib/workflow-requests';
import type { AppDeps } from '../deps';
import { temporalCall } from './temporal';

/** What is asked of which case, by whom. */
export interface AskedRequest<R, A extends unknown[]> {
  handle: WorkflowHandle;
  update: UpdateDefinition<R, A>;
  args: A;
  actorId: string;
}

export interface Answering {
  /** Asks `update` of the case and answers the caller: its result, 409 with its refusal, or 202 while no worker runs. */
  <R, A extends unknown[]>(res: Response, what: string, request: AskedRequest<R, A>, answer?: { status?: number; present?: (result: R) => unknown }): Promise<void>;
}

/** How routes answer a request a case must decide (workflows/request-contract.ts). */
export function answering({ db, config }: Pick<AppDeps, 'db' | 'config'>): Answering {
  const waitMs = config.REQUEST_ANSWER_WAIT_MS ?? DEFAULT_REQUEST_ANSWER_WAIT_MS;
  return async (res, what, { handle, update, args, actorId }, { status = 200, present = (r: unknown) => r } = {}) => {
    const asked = await temporalCall(what, () => ask(db, handle, update, args, { actorId, waitMs }));
    if (asked.answered) {
      res.status(status).json(present(asked.result));
      return;
    }
    const location = `/requests/${asked.requestId}`;
    res.status(202).location(location).json({ requestId: asked.requestId, status: 'pending', location });
  };
}
