import { Context } from '@temporalio/activity';
import type { Db } from '../lib/db';
import { DEFAULT_TIME_ZONE, subjectTimeZoneSql } from '../lib/time-zone';
import type { NotificationRequest } from './contract';

/**
 * When a message was due: the activity's scheduled time (the workflow's clock, which the
 * time-skipping server moves), or now when called outside an activity.
 */
function dueAtMs(): number {
  try {
    return Context.current().info.scheduledTimestampMs;
  } catch {
    return Date.now();
  }
}

/** Whom a message goes to and the zone its times are read in, as they are when it is sent. */
export interface SendingContext {
  recipient: string;
  timeZone: string;
}

/**
 * Resolves a message at send time: a message due to a manager on cover goes to their deputy,
 * and the record says so; a visit's message is read in its team's zone (only visit messages
 * carry times of day). Workflows keep addressing the manager, so they stay unchanged and
 * deterministic. One raw statement on every send, where the ORM's cover lookup and the zone's
 * query were two round trips and a compiled query.
 */
export async function sendingContext(db: Db, request: NotificationRequest): Promise<SendingContext> {
  const at = new Date(dueAtMs()).toISOString();
  const [row] = await db.$queryRaw<Array<{ timeZone: string | null; coverId: string | null; deputyEmail: string | null }>>`
    SELECT ${subjectTimeZoneSql(request.subjectType, request.subjectId)} AS "timeZone",
           d."id" AS "coverId", d."deputyEmail"
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (
        SELECT "id", "deputyEmail" FROM "ManagerDeputy"
         WHERE "managerEmail" = ${request.to} AND "from" <= ${at}::timestamp AND "until" > ${at}::timestamp
         ORDER BY "createdAt" DESC LIMIT 1) AS d ON true`;
  const timeZone = row.timeZone ?? DEFAULT_TIME_ZONE;
  if (!row.coverId || !row.deputyEmail) return { recipient: request.to, timeZone };
  const { idempotencyKey, template, subjectType, subjectId } = request;
  await db.deputyDelivery.upsert({ where: { idempotencyKey }, update: {}, create: { idempotencyKey, coverId: row.coverId, template, subjectType, subjectId, at: new Date(at) } });
  return { recipient: row.deputyEmail, timeZone };
}
