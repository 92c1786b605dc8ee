import { Router, type Request } from 'express';
import { z } from 'zod';
import { ScheduleNotFoundError } from '@temporalio/client';
import { appendAudit } from '../../lib/audit';
import { RETENTION_SCHEDULE_ID } from '../../workflows/retention-review';
import type { AppDeps } from '../deps';
import { actorOf, forbidden, type Actor } from '../http/actor';
import { conflict, notFound } from '../http/errors';
import { parse } from '../http/validate';
import { documentPaths } from '../openapi/paths';

const ReviewStatus = z.enum(['awaiting_decision', 'retain', 'dispose', 'disposed']);
const ListQuery = z.object({ status: ReviewStatus.default('awaiting_decision') });
const ReviewParams = z.object({ reviewId: z.uuid() });
const DecisionBody = z
  .object({
    decision: z.enum(['dispose', 'retain']),
    rationale: z.string().trim().min(10, 'say why, in at least 10 characters').max(2000),
    /** A retained record comes back for review on this date. */
    retainUntil: z.iso.date().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.decision === 'retain' && !v.retainUntil) ctx.addIssue({ code: 'custom', path: ['retainUntil'], message: 'is required to retain a record' });
    if (v.retainUntil && Date.parse(v.retainUntil) <= Date.now()) ctx.addIssue({ code: 'custom', path: ['retainUntil'], message: 'must be in the future' });
    if (v.decision === 'dispose' && v.retainUntil) ctx.addIssue({ code: 'custom', path: ['retainUntil'], message: 'only applies to a retained record' });
  });
const Review = z.object({
  id: z.string(),
  recordType: z.enum(['plan', 'visit']),
  recordId: z.string(),
  endedAt: z.string(),
  dueAt: z.string(),
  status: ReviewStatus,
  rationale: z.string().nullable(),
  retainUntil: z.string().nullable(),
  decidedById: z.string().nullable(),
  decidedAt: z.string().nullable(),
  disposedAt: z.string().nullable(),
});

const doc = documentPaths('retention');
doc('get', '/retention/reviews', 'Records past their retention period, awaiting a decision (or by status)', {
  query: ListQuery,
  ok: z.object({ items: z.array(Review) }),
  errors: [400, 401, 403],
});
doc('post', '/retention/reviews/{reviewId}/decision', 'Record a disposal decision with its rationale; disposal runs at the next review run', {
  params: ReviewParams,
  body: DecisionBody,
  ok: Review,
  errors: [400, 401, 403, 404, 409],
});
doc('post', '/retention/run', 'Run the retention review now (dispose what was decided, list what is due)', { okStatus: 202, errors: [401, 403, 404] });

/** Disposal of records is for operators and admins (the data-protection lead's delegates). */
function retentionOfficer(req: Request): Actor {
  const actor = actorOf(req);
  if (actor.role !== 'operator' && actor.role !== 'admin') throw forbidden('Only operators and admins decide on retention');
  return actor;
}

export function retentionRoutes({ db, temporal }: AppDeps): Router {
  const router = Router();

  router.get('/retention/reviews', async (req, res) => {
    retentionOfficer(req);
    const { status } = parse(ListQuery, req, 'query');
    const items = await db.retentionReview.findMany({ where: { status }, orderBy: { dueAt: 'asc' }, take: 500 });
    res.json({ items });
  });

  router.post('/retention/reviews/:reviewId/decision', async (req, res) => {
    const actor = retentionOfficer(req);
    const { reviewId } = parse(ReviewParams, req, 'params');
    const body = parse(DecisionBody, req);
    const decided = await db.$transaction(async (tx) => {
      const review = await tx.retentionReview.findUnique({ where: { id: reviewId } });
      if (!review) throw notFound(`Retention review ${reviewId}`);
      if (review.status !== 'awaiting_decision') throw conflict(`The review is ${review.status}; only a review awaiting a decision can be decided`);
      const updated = await tx.retentionReview.update({
        where: { id: reviewId },
        data: {
          status: body.decision,
          rationale: body.rationale,
          retainUntil: body.retainUntil ? new Date(body.retainUntil) : null,
          decidedById: actor.id,
          decidedByRole: actor.role,
          decidedAt: new Date(),
        },
      });
      await appendAudit(tx, {
        key: `retention:${reviewId}:decided:${updated.decidedAt!.toISOString()}`,
        at: updated.decidedAt!,
        actor,
        action: `retention.${body.decision}`,
        target: { type: updated.recordType, id: updated.recordId },
        rationale: body.rationale,
        data: { reviewId, retainUntil: body.retainUntil },
      });
      return updated;
    });
    res.json(decided);
  });

  router.post('/retention/run', async (req, res) => {
    retentionOfficer(req);
    try {
      await temporal.schedule.getHandle(RETENTION_SCHEDULE_ID).trigger();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound('The retention review schedule (the worker creates it when it starts)');
      throw err;
    }
    res.status(202).json({ scheduleId: RETENTION_SCHEDULE_ID });
  });

  return router;
}
