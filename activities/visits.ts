import { ackLinkUrl, imOkLinkUrl, signAckToken } from '../lib/ack-links';
import { appendAudit } from '../lib/audit';
import { createNotificationActivities, type NotificationDeps, type NotificationResult } from './notifications';

/** The visit as the database shows it; sent whole with every event so any one of them can create the row. */
export interface VisitRow {
  id: string;
  workflowId: string;
  workerId: string;
  team: string;
  managerId: string;
  buddyId: string | null;
  kind: string;
  riskLevel: string;
  clientRef: string;
  status: string;
  plannedStartAt: string | null;
  startedAt: string | null;
  eta: string;
  nextDueAt: string | null;
  lastCheckInAt: string | null;
  escalationLevel: number;
  incidentReason: string | null;
  incidentOwner: string | null;
  riskReviewRequested: boolean;
  closedAt: string | null;
  /** The workflow's whole state (absent from visits started before it was kept): the API reads it. */
  state?: Record<string, unknown>;
}

export interface VisitEventRecord {
  /** Numbered by the workflow: a retried activity writes the same row again, not a second one. */
  seq: number;
  type: string;
  actor: { id: string; role: string };
  /** Workflow time of the decision. */
  at: string;
  reason?: string;
  data?: Record<string, unknown>;
  visibleToWorker: boolean;
  visit: VisitRow;
}

export interface VisitNotification {
  idempotencyKey: string;
  visitId: string;
  to: string;
  template: string;
  data: Record<string, unknown>;
  /** Present for alerts someone can take charge of: the message then carries a signed link. */
  ack?: { role: string; recipient: string; ttlMs: number };
  /** Present for the worker's reminders and alerts: the message then carries a signed "I'm OK" link. */
  ok?: { recipient: string; ttlMs: number };
}

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
export function createVisitActivities(deps: VisitActivityDeps) {
  const { db } = deps;
  const { deliverNotification } = createNotificationActivities(deps);
  return {
    async recordVisitEvent(event: VisitEventRecord): Promise<void> {
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

    async notifyVisitContact(request: VisitNotification): Promise<NotificationResult> {
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
