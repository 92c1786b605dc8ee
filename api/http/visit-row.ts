import { visitRowData } from '../../activities/visits';
import type { Db } from '../../lib/db';
import { firstVisitState, visitRowOf, visitWorkflowId, type VisitInput } from '../../workflows/visit-contract';

/**
 * The visit's row as its workflow will first record it, written by whoever started the
 * workflow before anyone learns the id: requests are authorised from the row, so a red flag
 * raised seconds after the start must not meet a 404 while no worker has run yet. The
 * workflow's first record overwrites it; an existing row is left alone.
 */
export async function writeStartedVisitRow(db: Db, input: VisitInput, nowMs: number): Promise<void> {
  await db.visit.createMany({
    data: [{ id: input.visitId, ...visitRowData(visitRowOf(input, firstVisitState(input, nowMs), visitWorkflowId(input.visitId))) }],
    skipDuplicates: true,
  });
}
