// The caller's side of a request (workflows/request-contract.ts): kept as a row, then sent as a
// signal, then answered from the row once the workflow has written its answer.
import { randomUUID } from 'node:crypto';
import type { UpdateDefinition, WorkflowHandle } from '@temporalio/client';
import { requestSignal } from '../workflows/request-contract';
import type { Db } from './db';

/** The workflow refused the request; its message names every reason. */
export class RequestRefusedError extends Error {
  constructor(
    readonly failureType: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRefusedError';
  }
}

export type Asked<R> = { answered: true; requestId: string; result: R } | { answered: false; requestId: string };

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The request's row once answered, polled quickly at first; null when `waitMs` passed first. */
async function answerOf(db: Db, requestId: string, waitMs: number) {
  const deadline = Date.now() + waitMs;
  for (let wait = 10; ; wait = Math.min(200, wait * 2)) {
    const row = await db.workflowRequest.findUnique({ where: { id: requestId } });
    if (row && row.status !== 'pending') return row;
    if (Date.now() >= deadline) return null;
    await pause(Math.min(wait, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Asks a workflow what `update` asks and waits up to `waitMs` for its answer: the result, a
 * RequestRefusedError, or not answered yet (no worker running): then the request stays kept and
 * is acted on when one is, and its row tells how it went.
 */
export async function ask<R, A extends unknown[]>(
  db: Db,
  handle: WorkflowHandle,
  update: UpdateDefinition<R, A>,
  args: A,
  { actorId, waitMs }: { actorId?: string; waitMs: number },
): Promise<Asked<R>> {
  const requestId = randomUUID();
  await db.workflowRequest.create({ data: { id: requestId, workflowId: handle.workflowId, name: update.name, actorId } });
  try {
    await handle.signal(requestSignal, { requestId, name: update.name, args });
  } catch (err) {
    // Temporal never had it: no row may claim a request is under way.
    await db.workflowRequest.delete({ where: { id: requestId } }).catch(() => undefined);
    throw err;
  }
  const row = await answerOf(db, requestId, waitMs);
  if (!row) return { answered: false, requestId };
  if (row.status === 'refused') throw new RequestRefusedError(row.failureType ?? 'refused', row.message ?? 'refused');
  return { answered: true, requestId, result: row.result as R };
}
