import { Context } from '@temporalio/activity';
import type { Db } from '../lib/db';
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

/**
 * Resolves a recipient at send time: a message due to a manager on cover goes to their
 * deputy, and the record says so. Workflows keep addressing the manager, so they stay
 * unchanged and deterministic.
 */
export async function recipientAtSendTime(db: Db, request: NotificationRequest): Promise<string> {
  const at = new Date(dueAtMs());
  const cover = await db.managerDeputy.findFirst({ where: { managerEmail: request.to, from: { lte: at }, until: { gt: at } }, orderBy: { createdAt: 'desc' } });
  if (!cover) return request.to;
  const { idempotencyKey, template, subjectType, subjectId } = request;
  await db.deputyDelivery.upsert({ where: { idempotencyKey }, update: {}, create: { idempotencyKey, coverId: cover.id, template, subjectType, subjectId, at } });
  return cover.deputyEmail;
}
