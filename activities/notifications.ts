import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { audit, auditInsert, SYSTEM, type AuditInput } from '../lib/audit';
import type { Db } from '../lib/db';
import { PermanentDeliveryError, type NotificationChannel } from '../lib/mailer';
import { renderMessage } from './messages';
import type { NotificationActivities } from './contract';
import { sendingContext } from './cover';

/**
 * How long a claim holds without renewal. The attempt that holds it renews it every third
 * of this for as long as its send is running, however long that is, so only an attempt that
 * died (its process gone) loses its claim to a retry. Short, because the retry of a send held
 * by a dead worker (after the 10 s heartbeat timeout, workflows/activity-options.ts) waits for
 * it; each renewal also heartbeats, more often than that timeout.
 */
const SEND_LEASE_MS = 12_000;

/** The failure type of a message the provider refused for good; the workflow is told it, not asked to retry. */
export const PERMANENT_DELIVERY_FAILURE = 'PermanentDeliveryFailure';

export interface NotificationDeps {
  db: Db;
  channel: NotificationChannel;
  publicUrl: string;
  /** Tests shorten it; the service keeps the default. */
  sendLeaseMs?: number;
}

/** The running activity's heartbeat, when there is one (tests also call activities directly). */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Called outside an activity: nothing to heartbeat.
  }
}

/**
 * Renews the claim `claimedAt` every third of the lease while `work` runs, and heartbeats
 * the activity, so no retry can take the send over while this attempt may still deliver it.
 */
async function whileLeased<T>(db: Db, deliveryId: string, claimedAt: Date, leaseMs: number, work: Promise<T>): Promise<T> {
  let held = claimedAt;
  const renew = async () => {
    const now = new Date();
    const renewed = await db.notificationDelivery.updateMany({ where: { id: deliveryId, status: 'sending', claimedAt: held }, data: { claimedAt: now } });
    if (renewed.count === 1) held = now;
  };
  let renewing = Promise.resolve();
  const timer = setInterval(
    () => {
      // Apart from the renewal: the attempt is alive even while the database is slow or away, and Temporal must not retry it meanwhile.
      heartbeat();
      renewing = renewing.then(renew).catch(() => undefined);
    },
    Math.max(1, Math.floor(leaseMs / 3)),
  );
  try {
    return await work;
  } finally {
    clearInterval(timer);
    // A renewal in flight must land before the row is marked sent or failed, not after.
    await renewing;
  }
}

/** How long an attempt that sent keeps trying to record it: well inside the sending activity's 3-minute start-to-close. */
const RECORD_SENT_FOR_MS = 2 * 60_000;

/** Retries `write` every second or so (heartbeating) until it works or RECORD_SENT_FOR_MS is up. */
async function untilWritten<T>(write: () => Promise<T>): Promise<T> {
  const until = Date.now() + RECORD_SENT_FOR_MS;
  for (;;) {
    try {
      return await write();
    } catch (err) {
      if (Date.now() > until) throw err;
      heartbeat();
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** Activities that reach people. */
export function createNotificationActivities({ db, channel, publicUrl, sendLeaseMs = SEND_LEASE_MS }: NotificationDeps): NotificationActivities {
  return {
    async deliverNotification(request) {
      const { recipient, timeZone } = await sendingContext(db, request);
      const message = renderMessage(request.template, request.data, { publicUrl, timeZone });
      // Recording the key first makes the database, not the activity attempt, the judge of
      // whether this message already went out. The first attempt creates the row already
      // claimed; a later one claims it only when it failed, or when its claim was not
      // renewed for a lease (the attempt that held it died mid-send: for an alarm, a possible
      // duplicate with the same Message-ID is safer than silence). One statement on the
      // common path, where an upsert and a claim took Prisma eight.
      const claimedAt = new Date();
      const [delivery] = await db.$queryRaw<Array<{ id: string; recipient: string }>>`
        INSERT INTO "NotificationDelivery" ("id", "idempotencyKey", "channel", "recipient", "template", "subject", "subjectType", "subjectId", "status", "attempts", "claimedAt", "createdAt")
        VALUES (${randomUUID()}, ${request.idempotencyKey}, ${channel.name}, ${recipient}, ${request.template}, ${message.subject}, ${request.subjectType},
                ${request.subjectId}, 'sending', 1, ${claimedAt.toISOString()}::timestamp, (now() AT TIME ZONE 'UTC'))
        ON CONFLICT ("idempotencyKey") DO UPDATE SET "status" = 'sending', "claimedAt" = EXCLUDED."claimedAt", "attempts" = "NotificationDelivery"."attempts" + 1
        WHERE "NotificationDelivery"."status" IN ('pending', 'failed')
           OR ("NotificationDelivery"."status" = 'sending' AND "NotificationDelivery"."claimedAt" < ${new Date(claimedAt.getTime() - sendLeaseMs).toISOString()}::timestamp)
        RETURNING "id", "recipient"`;
      const sentEntry = (deliveryId: string, sentAt: Date): AuditInput => ({
        key: `notification:${deliveryId}`,
        at: sentAt,
        actor: SYSTEM,
        action: 'notification.sent',
        target: { type: request.subjectType, id: request.subjectId },
        data: { deliveryId, template: request.template },
      });
      if (!delivery) {
        const existing = await db.notificationDelivery.findUniqueOrThrow({ where: { idempotencyKey: request.idempotencyKey } });
        if (existing.status === 'sent' && existing.sentAt) {
          // A row marked sent before the mark and its audit entry were one statement may lack
          // the entry; the entry's key makes this a no-op when it is already there.
          await audit(db, sentEntry(existing.id, existing.sentAt));
          return { deliveryId: existing.id, status: 'already-sent', sentAt: existing.sentAt.toISOString() };
        }
        if (existing.status === 'rejected') throw permanentFailure(existing.id, existing.lastError);
        throw ApplicationFailure.retryable(`Delivery ${existing.id} is being sent by another attempt`, 'DeliveryInProgress');
      }
      let result: Awaited<ReturnType<NotificationChannel['send']>>;
      try {
        const sending = channel.send({
          to: delivery.recipient,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: `<${delivery.id}@carewatch>`,
        });
        result = await whileLeased(db, delivery.id, claimedAt, sendLeaseMs, sending);
      } catch (err) {
        const permanent = err instanceof PermanentDeliveryError;
        const lastError = err instanceof Error ? err.message : String(err);
        await db.notificationDelivery.update({ where: { id: delivery.id }, data: { status: permanent ? 'rejected' : 'failed', lastError } });
        if (!permanent) throw err;
        await audit(db, {
          key: `notification-rejected:${delivery.id}`,
          actor: SYSTEM,
          action: 'notification.rejected',
          target: { type: request.subjectType, id: request.subjectId },
          data: { deliveryId: delivery.id, template: request.template, responseCode: err.responseCode },
        });
        throw permanentFailure(delivery.id, lastError);
      }
      // Only a failed send may mark the row "failed" (which invites a resend): once the relay
      // took the message, the row is marked sent, with its audit entry, in one short statement
      // (entries take no lock: the chainer links them later). The database may be away right
      // then (a restart): this attempt, which alone knows the message went, keeps trying,
      // heartbeating, rather than leave the row to a retry that would send it again.
      const sentAt = new Date();
      await untilWritten(
        () => db.$executeRaw`WITH sent AS (
            UPDATE "NotificationDelivery" SET "status" = 'sent', "sentAt" = ${sentAt.toISOString()}::timestamp, "messageId" = ${result.providerId ?? null}, "lastError" = NULL
             WHERE "id" = ${delivery.id}
          )
          ${auditInsert(sentEntry(delivery.id, sentAt))}`,
      );
      return { deliveryId: delivery.id, status: 'sent', sentAt: sentAt.toISOString() };
    },
  };
}

/** Non-retryable: the same message to the same address would be refused again. The relay's words stay on the delivery row (they may name the address). */
function permanentFailure(deliveryId: string, lastError: string | null): ApplicationFailure {
  const code = /\b5\d\d\b/.exec(lastError ?? '')?.[0];
  return ApplicationFailure.nonRetryable(`Delivery ${deliveryId} was refused for good by the provider${code ? ` (${code})` : ''}`, PERMANENT_DELIVERY_FAILURE, { deliveryId });
}
