import { ApplicationFailure } from '@temporalio/common';
import { audit, SYSTEM } from '../lib/audit';
import type { Db } from '../lib/db';
import type { NotificationChannel } from '../lib/mailer';
import { renderMessage } from './messages';
import { recipientAtSendTime } from './cover';

export interface NotificationRequest {
  /**
   * Deterministic for the event being notified (e.g. `visit-42:ladder:2:buddy`): the same
   * key is never delivered twice, whatever retries or crashes happen.
   */
  idempotencyKey: string;
  to: string;
  template: string;
  data: Record<string, unknown>;
  subjectType: string;
  subjectId: string;
}

export interface NotificationResult {
  deliveryId: string;
  status: 'sent' | 'already-sent';
  sentAt: string;
}

/** How long a send may take before another attempt may take it over. */
const SEND_LEASE_MS = 60_000;

export interface NotificationDeps {
  db: Db;
  channel: NotificationChannel;
  publicUrl: string;
}

/** Activities that reach people. */
export function createNotificationActivities({ db, channel, publicUrl }: NotificationDeps) {
  return {
    async deliverNotification(request: NotificationRequest): Promise<NotificationResult> {
      const message = renderMessage(request.template, request.data, { publicUrl });
      const recipient = await recipientAtSendTime(db, request);
      // Recording the key first makes the database, not the activity attempt, the judge of
      // whether this message already went out.
      const delivery = await db.notificationDelivery.upsert({
        where: { idempotencyKey: request.idempotencyKey },
        update: {},
        create: {
          idempotencyKey: request.idempotencyKey,
          channel: channel.name,
          recipient,
          template: request.template,
          subject: message.subject,
          subjectType: request.subjectType,
          subjectId: request.subjectId,
          status: 'pending',
        },
      });
      const auditSent = (sentAt: Date) =>
        audit(db, { key: `notification:${delivery.id}`, at: sentAt, actor: SYSTEM, action: 'notification.sent', target: { type: request.subjectType, id: request.subjectId }, data: { deliveryId: delivery.id, template: request.template } });
      if (delivery.status === 'sent' && delivery.sentAt) {
        // An attempt that sent and marked the row may have failed before its audit entry;
        // the entry's key makes this a no-op when it is already there.
        await auditSent(delivery.sentAt);
        return { deliveryId: delivery.id, status: 'already-sent', sentAt: delivery.sentAt.toISOString() };
      }
      // Claim the send: only one attempt at a time may move it to "sending". A claim older
      // than the lease belongs to an attempt that crashed mid-send; for an alarm, a possible
      // duplicate (same Message-ID) is safer than silence, so it is claimed again.
      const staleBefore = new Date(Date.now() - SEND_LEASE_MS);
      const claimed = await db.notificationDelivery.updateMany({
        where: {
          id: delivery.id,
          OR: [{ status: { in: ['pending', 'failed'] } }, { status: 'sending', claimedAt: { lt: staleBefore } }],
        },
        data: { status: 'sending', claimedAt: new Date(), attempts: { increment: 1 } },
      });
      if (claimed.count === 0) {
        throw ApplicationFailure.retryable(`Delivery ${delivery.id} is being sent by another attempt`, 'DeliveryInProgress');
      }
      let result: Awaited<ReturnType<NotificationChannel['send']>>;
      try {
        result = await channel.send({
          to: delivery.recipient,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: `<${delivery.id}@carewatch>`,
        });
      } catch (err) {
        await db.notificationDelivery.update({
          where: { id: delivery.id },
          data: { status: 'failed', lastError: err instanceof Error ? err.message : String(err) },
        });
        throw err;
      }
      // Only a failed send may mark the row "failed" (which invites a resend): once the relay
      // took the message, the row is marked sent in one short statement, kept apart from the
      // audit chain's lock so a busy chain cannot turn a sent alarm into a duplicate.
      const sentAt = new Date();
      await db.notificationDelivery.update({
        where: { id: delivery.id },
        data: { status: 'sent', sentAt, messageId: result.providerId ?? null, lastError: null },
      });
      await auditSent(sentAt);
      return { deliveryId: delivery.id, status: 'sent', sentAt: sentAt.toISOString() };
    },
  };
}
