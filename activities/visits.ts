import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import { ackLinkUrl, imOkLinkUrl, signAckToken } from '../lib/ack-links';
import { auditInsert } from '../lib/audit';
import type { Db } from '../lib/db';
import type { VisitActivities, VisitEventRecord } from './contract';
import { createNotificationActivities, type NotificationDeps } from './notifications';

export interface VisitActivityDeps extends NotificationDeps {
  linkSecret: string;
}

/** Now as Prisma writes it to a column without a zone: UTC, whatever the session's zone. */
const UTC_NOW = Prisma.raw(`(now() AT TIME ZONE 'UTC')`);
const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * The whole record of one event as one statement, so atomic without a transaction: the
 * visit row (created by whichever event arrives first; events are recorded without the
 * workflow waiting, so an older one may land last and then changes nothing), the event
 * (numbered, so a retry writes nothing twice) and its audit entry. One round trip instead
 * of Prisma's eight (an interactive transaction, an upsert as select-then-insert): the
 * workflow task that records it is held open until it is done. Timestamps go as ISO text:
 * these columns hold UTC without a zone, as Prisma writes them.
 */
function recordStatement(event: VisitEventRecord): Prisma.Sql {
  const v = event.visit;
  return Prisma.sql`WITH visit AS (
      INSERT INTO "Visit" ("id", "workflowId", "workerId", "team", "managerId", "buddyId", "kind", "riskLevel", "clientRef", "status",
                           "plannedStartAt", "startedAt", "eta", "nextDueAt", "lastCheckInAt", "escalationLevel", "incidentReason",
                           "incidentOwner", "riskReviewRequested", "closedAt", "nextAlarmAt", "lastSeq", "state", "createdAt", "updatedAt")
      VALUES (${v.id}, ${v.workflowId}, ${v.workerId}, ${v.team}, ${v.managerId}, ${v.buddyId}, ${v.kind}, ${v.riskLevel}, ${v.clientRef}, ${v.status},
              ${v.plannedStartAt}::timestamp, ${v.startedAt}::timestamp, ${v.eta}::timestamp, ${v.nextDueAt}::timestamp, ${v.lastCheckInAt}::timestamp,
              ${v.escalationLevel}, ${v.incidentReason}, ${v.incidentOwner}, ${v.riskReviewRequested}, ${v.closedAt}::timestamp, ${v.nextAlarmAt ?? null}::timestamp, ${event.seq},
              ${json(v.state)}::jsonb, ${UTC_NOW}, ${UTC_NOW})
      ON CONFLICT ("id") DO UPDATE SET
        ("workflowId", "workerId", "team", "managerId", "buddyId", "kind", "riskLevel", "clientRef", "status", "plannedStartAt", "startedAt",
         "eta", "nextDueAt", "lastCheckInAt", "escalationLevel", "incidentReason", "incidentOwner", "riskReviewRequested", "closedAt",
         "nextAlarmAt", "lastSeq", "state", "updatedAt")
        = (EXCLUDED."workflowId", EXCLUDED."workerId", EXCLUDED."team", EXCLUDED."managerId", EXCLUDED."buddyId", EXCLUDED."kind",
           EXCLUDED."riskLevel", EXCLUDED."clientRef", EXCLUDED."status", EXCLUDED."plannedStartAt", EXCLUDED."startedAt", EXCLUDED."eta",
           EXCLUDED."nextDueAt", EXCLUDED."lastCheckInAt", EXCLUDED."escalationLevel", EXCLUDED."incidentReason", EXCLUDED."incidentOwner",
           EXCLUDED."riskReviewRequested", EXCLUDED."closedAt", EXCLUDED."nextAlarmAt", EXCLUDED."lastSeq", COALESCE(EXCLUDED."state", "Visit"."state"), EXCLUDED."updatedAt")
      WHERE "Visit"."lastSeq" < EXCLUDED."lastSeq"
    ), event AS (
      INSERT INTO "VisitEvent" ("id", "visitId", "seq", "type", "actorId", "actorRole", "at", "reason", "data", "visibleToWorker", "createdAt")
      VALUES (${randomUUID()}, ${v.id}, ${event.seq}, ${event.type}, ${event.actor.id}, ${event.actor.role}, ${event.at}::timestamp,
              ${event.reason ?? null}, ${json(event.data)}::jsonb, ${event.visibleToWorker}, ${UTC_NOW})
      ON CONFLICT ("visitId", "seq") DO NOTHING
    )
    ${auditInsert({
      key: `visit:${v.id}:${event.seq}`,
      at: event.at,
      actor: event.actor,
      action: `visit.${event.type}`,
      target: { type: 'visit', id: v.id },
      rationale: event.reason,
      data: { status: v.status, escalationLevel: v.escalationLevel },
    })}`;
}

/** Writes an event and, first, those it carries (`earlier`): each statement is atomic and idempotent on its own. */
export async function writeVisitRecord(db: Db, event: VisitEventRecord): Promise<void> {
  for (const e of [...(event.earlier ?? []), event]) await db.$executeRaw(recordStatement(e));
}

/** Activities that keep the visit's record and reach the people around it. */
export function createVisitActivities(deps: VisitActivityDeps): VisitActivities {
  const { db } = deps;
  const { deliverNotification } = createNotificationActivities(deps);
  return {
    async recordVisitEvent(event) {
      await writeVisitRecord(db, event);
    },

    async notifyVisitContact(request) {
      if (request.record) await writeVisitRecord(db, request.record);
      const link = request.ack
        ? { purpose: 'take-charge', role: request.ack.role, recipient: request.ack.recipient, ttlMs: request.ack.ttlMs, field: 'ackUrl', url: ackLinkUrl }
        : request.ok
          ? { purpose: 'im-ok', role: 'worker', recipient: request.ok.recipient, ttlMs: request.ok.ttlMs, field: 'okUrl', url: imOkLinkUrl }
          : null;
      let data = request.data;
      if (link) {
        // The token row is keyed like the message, so a retry reuses the first link (its
        // no-op update returns the row already there): one statement, not Prisma's five.
        const [token] = await db.$queryRaw<Array<{ id: string; recipientRole: string; expiresAt: Date }>>`
          INSERT INTO "AckToken" ("id", "visitId", "recipientRole", "recipient", "purpose", "expiresAt", "createdAt")
          VALUES (${request.idempotencyKey}, ${request.visitId}, ${link.role}, ${link.recipient}, ${link.purpose},
                  ${new Date(Date.now() + link.ttlMs).toISOString()}::timestamp, ${UTC_NOW})
          ON CONFLICT ("id") DO UPDATE SET "visitId" = "AckToken"."visitId"
          RETURNING "id", "recipientRole", "expiresAt"`;
        const signed = signAckToken({ tokenId: token.id, visitId: request.visitId, role: token.recipientRole, exp: token.expiresAt.getTime() }, deps.linkSecret);
        data = { ...data, [link.field]: link.url(deps.publicUrl, signed) };
      }
      return deliverNotification({
        idempotencyKey: request.idempotencyKey,
        to: request.to,
        template: request.template,
        data,
        subjectType: 'visit',
        subjectId: request.visitId,
      });
    },
  };
}
