import { ackLinkUrl, imOkLinkUrl, signAckToken } from '../lib/ack-links';
import { appendAudit } from '../lib/audit';
import type { VisitActivities, VisitRow } from './contract';
import { createNotificationActivities, type NotificationDeps } from './notifications';

const toDate = (iso: string | null) => (iso ? new Date(iso) : null);

/** The columns of a visit row (without its id). */
export function visitRowData(v: VisitRow) {
  const { id: _id, ...rest } = v;
  return {
    ...rest,
    plannedStartAt: toDate(v.plannedStartAt),
    startedAt: toDate(v.startedAt),
    eta: new Date(v.eta),
    nextDueAt: toDate(v.nextDueAt),
    lastCheckInAt: toDate(v.lastCheckInAt),
    closedAt: toDate(v.closedAt),
    state: v.state as never,
  };
}

export interface VisitActivityDeps extends NotificationDeps {
  linkSecret: string;
}

/**
 * A visit event waits for a pooled connection instead of failing after Prisma's 2 s (P2028,
 * seen by the hundred in the bench on a loaded machine): well inside the record's 30 s
 * start-to-close, so a retry is still the exception.
 */
const RECORD_TRANSACTION = { maxWait: 10_000, timeout: 15_000 } as const;

/** Activities that keep the visit's record and reach the people around it. */
export function createVisitActivities(deps: VisitActivityDeps): VisitActivities {
  const { db } = deps;
  const { deliverNotification } = createNotificationActivities(deps);
  return {
    async recordVisitEvent(event) {
      const data = visitRowData(event.visit);
      await db.$transaction(async (tx) => {
        // Any event may be the first to arrive; concurrent ones must not collide on creating the row.
        await tx.visit.createMany({ data: [{ id: event.visit.id, ...data, lastSeq: event.seq }], skipDuplicates: true });
        // Events are recorded without the workflow waiting, so an older one may land last.
        await tx.visit.updateMany({ where: { id: event.visit.id, lastSeq: { lt: event.seq } }, data: { ...data, lastSeq: event.seq } });
        await tx.visitEvent.upsert({
          where: { visitId_seq: { visitId: event.visit.id, seq: event.seq } },
          update: {},
          create: {
            visitId: event.visit.id,
            seq: event.seq,
            type: event.type,
            actorId: event.actor.id,
            actorRole: event.actor.role,
            at: new Date(event.at),
            reason: event.reason ?? null,
            data: (event.data ?? undefined) as never,
            visibleToWorker: event.visibleToWorker,
          },
        });
        await appendAudit(tx, {
          key: `visit:${event.visit.id}:${event.seq}`,
          at: event.at,
          actor: event.actor,
          action: `visit.${event.type}`,
          target: { type: 'visit', id: event.visit.id },
          rationale: event.reason,
          data: { status: event.visit.status, escalationLevel: event.visit.escalationLevel },
        });
      }, RECORD_TRANSACTION);
    },

    async notifyVisitContact(request) {
      const link = request.ack
        ? { purpose: 'take-charge', role: request.ack.role, recipient: request.ack.recipient, ttlMs: request.ack.ttlMs, field: 'ackUrl', url: ackLinkUrl }
        : request.ok
          ? { purpose: 'im-ok', role: 'worker', recipient: request.ok.recipient, ttlMs: request.ok.ttlMs, field: 'okUrl', url: imOkLinkUrl }
          : null;
      let data = request.data;
      if (link) {
        // The token row is keyed like the message, so a retry reuses the first link.
        const token = await db.ackToken.upsert({
          where: { id: request.idempotencyKey },
          update: {},
          create: {
            id: request.idempotencyKey,
            visitId: request.visitId,
            recipientRole: link.role,
            recipient: link.recipient,
            purpose: link.purpose,
            expiresAt: new Date(Date.now() + link.ttlMs),
          },
        });
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
