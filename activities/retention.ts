import { appendAudit, SYSTEM, type Tx } from '../lib/audit';
import type { Db } from '../lib/db';
import { planWorkflowId } from '../workflows/plan-contract';
import { visitWorkflowId } from '../workflows/visit-contract';
import type { RetentionActivities } from './contract';

export type RecordType = 'plan' | 'visit';

/** `at` minus whole years, in UTC: a record ended before this is past its period. */
export function yearsBefore(at: Date, years: number): Date {
  const cutoff = new Date(at);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  return cutoff;
}

function yearsAfter(at: Date, years: number): Date {
  return yearsBefore(at, -years);
}

/** Deletes one record and everything recorded about it that names people; the review row stays. */
async function disposeRecord(tx: Tx, recordType: RecordType, recordId: string): Promise<void> {
  await tx.notificationDelivery.deleteMany({ where: { subjectType: recordType, subjectId: recordId } });
  // A request's answer may carry the case's state (a visit's extension answers with the visit).
  await tx.workflowRequest.deleteMany({ where: { workflowId: recordType === 'plan' ? planWorkflowId(recordId) : visitWorkflowId(recordId) } });
  if (recordType === 'plan') {
    // Its risks, measures, reviews, decisions, copies and timeline cascade with it.
    await tx.plan.deleteMany({ where: { id: recordId } });
    return;
  }
  await tx.visitEvent.deleteMany({ where: { visitId: recordId } });
  await tx.ackToken.deleteMany({ where: { visitId: recordId } });
  await tx.visit.deleteMany({ where: { id: recordId } });
}

export function createRetentionActivities({ db }: { db: Db }): RetentionActivities {
  return {
    async disposeDecidedRecords({ runId }) {
      const decided = await db.retentionReview.findMany({ where: { status: 'dispose' } });
      for (const review of decided) {
        await db.$transaction(async (tx) => {
          await disposeRecord(tx, review.recordType as RecordType, review.recordId);
          const disposedAt = new Date();
          await tx.retentionReview.update({ where: { id: review.id }, data: { status: 'disposed', disposedAt } });
          await appendAudit(tx, {
            key: `retention:${review.id}:disposed`,
            at: disposedAt,
            actor: SYSTEM,
            action: 'retention.disposed',
            target: { type: review.recordType, id: review.recordId },
            data: { reviewId: review.id, runId, decidedById: review.decidedById },
          });
        });
      }
      return decided.length;
    },

    async listRecordsDueForReview(input) {
      const at = new Date(input.at);
      const years: Record<RecordType, number> = { plan: input.policy.planYears, visit: input.policy.visitYears };
      const [plans, visits] = await Promise.all([
        db.plan.findMany({ where: { endedAt: { lt: yearsBefore(at, years.plan) } }, select: { id: true, endedAt: true } }),
        db.visit.findMany({ where: { status: 'closed', closedAt: { lt: yearsBefore(at, years.visit) } }, select: { id: true, closedAt: true } }),
      ]);
      const ended = [
        ...plans.map((p) => ({ recordType: 'plan' as const, recordId: p.id, endedAt: p.endedAt! })),
        ...visits.map((v) => ({ recordType: 'visit' as const, recordId: v.id, endedAt: v.closedAt! })),
      ];
      const known = await db.retentionReview.findMany({ where: { recordId: { in: ended.map((e) => e.recordId) } } });
      const byKey = new Map(known.map((r) => [`${r.recordType}:${r.recordId}`, r]));
      let listed = 0;
      for (const record of ended) {
        const review = byKey.get(`${record.recordType}:${record.recordId}`);
        const listing = { listedAt: at, listedByRun: input.runId, status: 'awaiting_decision' };
        if (!review) {
          await db.retentionReview.create({ data: { ...record, dueAt: yearsAfter(record.endedAt, years[record.recordType]), ...listing } });
          listed++;
        } else if (review.status === 'retain' && review.retainUntil && review.retainUntil <= at) {
          // The earlier decision stays on the row (and in the audit log) until a new one replaces it.
          await db.retentionReview.update({ where: { id: review.id }, data: listing });
          listed++;
        } else if (review.status === 'awaiting_decision') {
          listed++;
        }
      }
      await db.retentionRun.upsert({
        where: { id: input.runId },
        update: { listed, disposed: input.disposed },
        create: { id: input.runId, ranAt: at, policy: input.policy as object, listed, disposed: input.disposed },
      });
      return listed;
    },
  };
}
