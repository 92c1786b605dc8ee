import { writeVisitRecord } from '../../activities/visits';
import type { Db } from '../../lib/db';
import { firstVisitRecord, type RequestedVisitInput } from '../../workflows/visit-contract';

/**
 * The visit's first record (its row, event 1 and the audit entry) as its workflow decides it,
 * written by whoever started the workflow before anyone learns the id: requests are
 * authorised from the row, so a red flag raised seconds after the start must not meet a 404
 * while no worker has run yet, and the workflow need not spend an activity of its own on it
 * (its copy rides on its next one). A record already there is left alone.
 */
export async function writeStartedVisitRow(db: Db, input: RequestedVisitInput): Promise<void> {
  await writeVisitRecord(db, firstVisitRecord(input));
}
