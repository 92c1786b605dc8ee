import type { UpdateDefinition, WorkflowHandle } from '@temporalio/client';
import type { Db } from '../../lib/db';
import { ask } from '../../lib/workflow-requests';

/** Asks a workflow as the API does (a request signal, answered in the database) and resolves with its result or rejects with its refusal. */
export const askingWith =
  (db: () => Db) =>
  async <R, A extends unknown[]>(handle: WorkflowHandle, update: UpdateDefinition<R, A>, args: A): Promise<R> => {
    const asked = await ask(db(), handle, update, args, { waitMs: 60_000 });
    if (!asked.answered) throw new Error(`${update.name} was not answered within a minute`);
    return asked.result;
  };
