import { randomUUID } from 'node:crypto';
import type { UpdateDefinition } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { Router, type Request } from 'express';
import type { z } from 'zod';
import { planOutcomeReport, type EndedPlanRow } from '../../domain/plan/report';
import type { DecisionBy } from '../../domain/plan/types';
import { audit } from '../../lib/audit';
import { planWorkflow } from '../../workflows/plan';
import * as contract from '../../workflows/plan-contract';
import { resolvePlanPolicy } from '../../workflows/plan-policy';
import { addDays, toDateString } from '../../workflows/working-days';
import type { AppDeps } from '../deps';
import { actorOf, type Actor } from '../http/actor';
import { actingAs } from '../http/cover';
import { ensure, mayCreatePlan, mayOnPlan, mayReadTeamLists, reportScope, type PlanAction, type PlanParties } from '../http/policy';
import { conflict, notFound } from '../http/errors';
import { answering } from '../http/requests';
import { endedIfGone, startOnce, temporalCall } from '../http/temporal';
import { parse } from '../http/validate';
import { documentPaths, WRITE_ERRORS } from '../openapi/paths';
import {
  ActionParams,
  CompleteActionBody,
  CopyBody,
  CopyParams,
  CreatePlanBody,
  EndPlanBody,
  LegalAdviceBody,
  ListParams,
  MeasureParams,
  NoBody,
  OneToOneReviewBody,
  OutcomeReport,
  PlanParams,
  PlanSummary,
  ReportQuery,
  RequestParams,
  RescheduleBody,
  ReviewBody,
  UnscheduledDecisionBody,
  UnscheduledRequestBody,
} from '../schemas/plans';

const doc = documentPaths('plans');
const P = '/plans/{planId}';
doc('post', '/plans', 'Record a plan (a draft until it goes live)', { body: CreatePlanBody, okStatus: 201, errors: [400, 401, 403, 409] });
doc('get', P, 'A plan with its timeline, reviews, decisions and copies', { params: PlanParams, errors: [401, 403, 404] });
doc('post', `${P}/go-live`, 'Put the plan live: refused while a restrictive measure lacks legal advice', {
  requested: true,
  params: PlanParams,
  ok: PlanSummary,
  errors: [401, 403, 404, 409],
});
doc('post', `${P}/measures/{measureId}/legal-advice`, 'Record legal advice for a restrictive measure', {
  requested: true,
  params: MeasureParams,
  body: LegalAdviceBody,
  ok: PlanSummary,
  errors: WRITE_ERRORS,
});
doc('post', `${P}/reviews`, 'Record a review and its outcome', { requested: true, params: PlanParams, body: ReviewBody, ok: PlanSummary, errors: WRITE_ERRORS });
doc('post', `${P}/review-date`, 'Move the next review (manager)', { requested: true, params: PlanParams, body: RescheduleBody, ok: PlanSummary, errors: WRITE_ERRORS });
doc('post', `${P}/unscheduled-reviews`, 'Request an unscheduled review, with evidence', {
  requested: true,
  params: PlanParams,
  body: UnscheduledRequestBody,
  okStatus: 201,
  errors: WRITE_ERRORS,
});
doc('post', `${P}/unscheduled-reviews/{requestId}/decision`, 'Decide an unscheduled review request (manager)', {
  requested: true,
  params: RequestParams,
  body: UnscheduledDecisionBody,
  ok: PlanSummary,
  errors: WRITE_ERRORS,
});
doc('post', `${P}/one-to-one-reviews`, 'Review one-to-one support on its own cycle', {
  requested: true,
  params: PlanParams,
  body: OneToOneReviewBody,
  ok: PlanSummary,
  errors: WRITE_ERRORS,
});
doc('post', `${P}/actions/{actionId}/complete`, 'Mark an action complete', {
  requested: true,
  params: ActionParams,
  body: CompleteActionBody,
  ok: PlanSummary,
  errors: WRITE_ERRORS,
});
doc('post', `${P}/end`, 'End the plan on one of the three grounds (manager)', { requested: true, params: PlanParams, body: EndPlanBody, ok: PlanSummary, errors: WRITE_ERRORS });
doc('post', `${P}/copies`, 'Decide on a copy of the plan for someone; every decision is recorded (manager)', {
  requested: true,
  params: PlanParams,
  body: CopyBody,
  okStatus: 201,
  errors: WRITE_ERRORS,
});
doc('get', `${P}/copies/{disclosureId}`, 'The copy as given, as an HTML document', { params: CopyParams, okType: 'text/html', errors: [401, 403, 404] });
doc('get', '/plan-lists/{list}', "A manager's list for their team", { params: ListParams, errors: [400, 401, 403] });
doc('get', '/reports/plan-outcomes', 'Making Safeguarding Personal and risk outcomes of plans ended in a period; small numbers suppressed', {
  query: ReportQuery,
  ok: OutcomeReport,
  errors: [400, 401, 403],
});

const byOf = (a: Actor): DecisionBy => ({ actorId: a.id, actorRole: a.role });
const PLAN_ENDED = 'The plan has ended';

export function planRoutes({ temporal, db, config }: AppDeps): Router {
  const router = Router();
  const handleOf = (planId: string) => temporal.workflow.getHandle<typeof planWorkflow>(contract.planWorkflowId(planId));

  /** Refuses unless the policy lets this actor do this to this plan. */
  async function ensureMay(actor: Actor, action: PlanAction, planId: string, parties: PlanParties) {
    const involved = async () => !!(await db.planDecision.findFirst({ where: { planId, actorId: actor.id }, select: { planId: true } }));
    ensure(await mayOnPlan(actor, action, parties, involved), 'Not a plan you work on, or not yours to decide');
  }

  /**
   * The plan's parties and status from its row, so a request needs no worker to be kept; a plan
   * made a moment ago may have no row yet, and then the workflow answers.
   */
  async function recorded(planId: string) {
    const row = await db.plan.findUnique({ where: { id: planId }, select: { team: true, leadPractitionerId: true, status: true } });
    if (row) return row;
    const state = await temporalCall('Plan', () => handleOf(planId).query(contract.planStateQuery));
    return { team: state.team, leadPractitionerId: state.contacts.leadPractitioner.id, status: state.status };
  }

  async function authorised(req: Request, action: PlanAction) {
    const { actor, by } = await actingAs(db, actorOf(req));
    const { planId } = parse(PlanParams, req, 'params');
    const plan = await recorded(planId);
    await ensureMay(actor, action, planId, plan);
    return { actor, by, handle: handleOf(planId), status: plan.status, planId };
  }

  const answer = answering({ db, config });

  /** A request of the plan: what it asks, and how its result is shown. */
  interface Asking<R, A extends unknown[]> {
    update: UpdateDefinition<R, A>;
    args: A;
    present?: (result: R) => unknown;
  }
  const asking = <R, A extends unknown[]>(update: UpdateDefinition<R, A>, args: A, present?: (result: R) => unknown): Asking<R, A> => ({ update, args, present });

  /** A POST that becomes one request of the plan: parse, authorise, ask, answer with its result. */
  function requestRoute<S extends z.ZodType, R, A extends unknown[]>(
    action: PlanAction,
    path: string,
    schema: S,
    request: (ctx: Awaited<ReturnType<typeof authorised>> & { body: z.infer<S>; req: Request }) => Asking<R, A>,
    status = 200,
  ) {
    router.post(path, async (req, res) => {
      const requester = actorOf(req);
      const body = parse(schema, req);
      const ctx = await authorised(req, action);
      // An ended plan's workflow has closed and takes no more requests; say why rather than "not found".
      if (ctx.status === 'ended') throw conflict(PLAN_ENDED);
      const { update, args, present } = request({ ...ctx, body, req });
      // Found a moment ago, a run that is gone ended after its row was last written.
      await answer(res, 'Plan', { handle: ctx.handle, update, args, actorId: requester.id }, { status, present }).catch(endedIfGone(PLAN_ENDED));
    });
  }

  router.post('/plans', async (req, res) => {
    const actor = actorOf(req);
    const body = parse(CreatePlanBody, req);
    ensure(mayCreatePlan(actor), "Only a team's practitioner or manager records a plan");
    const planId = body.planId ?? randomUUID();
    const input: contract.PlanInput = {
      planId,
      team: actor.team!,
      content: body.content,
      consent: body.consent,
      contacts: body.contacts,
      firstReviewDate: body.firstReviewDate,
      benefitRationale: body.benefitRationale,
      createdBy: byOf(actor),
      policy: resolvePlanPolicy(body.policy),
      indexed: true,
    };
    await startOnce(temporal, 'Plan', planWorkflow, { workflowId: contract.planWorkflowId(planId), taskQueue: config.TEMPORAL_TASK_QUEUE, args: [input] });
    res.status(201).location(`/plans/${planId}`).json({ planId, status: 'draft', firstReviewDate: body.firstReviewDate });
  });

  router.get('/plans/:planId', async (req, res) => {
    const actor = actorOf(req);
    const { planId } = parse(PlanParams, req, 'params');
    // The workflow answers for a running plan; an ended plan's workflow may be gone, its record is not.
    const state = await handleOf(planId)
      .query(contract.planStateQuery)
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      });
    const row = await db.plan.findUnique({
      where: { id: planId },
      include: {
        events: { orderBy: { at: 'asc' } },
        reviews: { orderBy: { recordedAt: 'asc' } },
        requests: { orderBy: { requestedAt: 'asc' } },
        decisions: { orderBy: { decidedAt: 'asc' } },
        disclosures: { orderBy: { decidedAt: 'asc' }, omit: { html: true } },
      },
    });
    const team = state?.team ?? row?.team;
    const leadPractitionerId = state?.contacts.leadPractitioner.id ?? row?.leadPractitionerId;
    if (!team || !leadPractitionerId) throw notFound('Plan');
    await ensureMay(actor, 'read', planId, { team, leadPractitionerId });
    await audit(db, { actor, action: 'plan.read', target: { type: 'plan', id: planId } });
    const { events, reviews, requests, decisions, disclosures, ...plan } = row ?? { events: [], reviews: [], requests: [], decisions: [], disclosures: [] };
    res.json({ planId, state, record: row ? plan : null, timeline: events, reviews, unscheduledRequests: requests, decisions, copies: disclosures });
  });

  requestRoute('go_live', '/plans/:planId/go-live', NoBody, ({ by }) => asking(contract.goLiveUpdate, [{ by }]));
  requestRoute('record_legal_advice', '/plans/:planId/measures/:measureId/legal-advice', LegalAdviceBody, ({ by, body, req }) =>
    asking(contract.recordLegalAdviceUpdate, [{ measureId: parse(MeasureParams, req, 'params').measureId, advice: body, by }]),
  );
  requestRoute('record_review', '/plans/:planId/reviews', ReviewBody, ({ by, body }) => asking(contract.recordReviewUpdate, [{ ...body, by }]));
  requestRoute('move_review', '/plans/:planId/review-date', RescheduleBody, ({ by, body }) => asking(contract.rescheduleReviewUpdate, [{ ...body, by }]));
  requestRoute(
    'request_unscheduled_review',
    '/plans/:planId/unscheduled-reviews',
    UnscheduledRequestBody,
    ({ by, body }) => asking(contract.requestUnscheduledReviewUpdate, [{ ...body, by }]),
    201,
  );
  requestRoute('decide_unscheduled_review', '/plans/:planId/unscheduled-reviews/:requestId/decision', UnscheduledDecisionBody, ({ by, body, req }) =>
    asking(contract.decideUnscheduledReviewUpdate, [{ ...body, requestId: parse(RequestParams, req, 'params').requestId, by }]),
  );
  requestRoute('review_one_to_one', '/plans/:planId/one-to-one-reviews', OneToOneReviewBody, ({ by, body }) => asking(contract.recordOneToOneReviewUpdate, [{ ...body, by }]));
  requestRoute('complete_action', '/plans/:planId/actions/:actionId/complete', CompleteActionBody, ({ by, body, req }) =>
    asking(contract.completeActionUpdate, [{ ...body, actionId: parse(ActionParams, req, 'params').actionId, by }]),
  );
  requestRoute('end', '/plans/:planId/end', EndPlanBody, ({ by, body }) => asking(contract.endPlanUpdate, [{ ending: body, by }]));
  requestRoute(
    'decide_copy',
    '/plans/:planId/copies',
    CopyBody,
    ({ by, body, planId }) => {
      const disclosureId = randomUUID();
      return asking(contract.decideCopyUpdate, [{ ...body, disclosureId, by }], (decision) => ({
        disclosureId,
        decision,
        document: decision.outcome === 'refused' ? null : `/plans/${planId}/copies/${disclosureId}`,
      }));
    },
    201,
  );

  router.get('/plans/:planId/copies/:disclosureId', async (req, res) => {
    const actor = actorOf(req);
    const { planId, disclosureId } = parse(CopyParams, req, 'params');
    const copy = await db.planDisclosure.findFirst({ where: { id: disclosureId, planId }, include: { plan: { select: { team: true, leadPractitionerId: true } } } });
    if (!copy?.html) throw notFound('Copy');
    await ensureMay(actor, 'read_copy', planId, copy.plan);
    await audit(db, { actor, action: 'plan.copy-read', target: { type: 'plan-copy', id: disclosureId }, data: { planId } });
    res.type('html').send(copy.html);
  });

  router.get('/plan-lists/:list', async (req, res) => {
    const { actor } = await actingAs(db, actorOf(req));
    const { list } = parse(ListParams, req, 'params');
    ensure(mayReadTeamLists(actor), "Only a team's manager reads its lists");
    const today = toDateString(Date.now());
    const live = { team: actor.team!, status: 'live' };
    const plan = { id: true, nextReviewDate: true, reviewNumber: true, leadPractitionerId: true } as const;
    const lists = {
      'reviews-due-this-week': () =>
        db.plan.findMany({ where: { ...live, nextReviewDate: { gte: today, lte: addDays(today, 6) } }, select: plan, orderBy: { nextReviewDate: 'asc' } }),
      'overdue-reviews': () => db.plan.findMany({ where: { ...live, nextReviewDate: { lt: today } }, select: plan, orderBy: { nextReviewDate: 'asc' } }),
      'unscheduled-awaiting-decision': () =>
        db.planReviewRequest.findMany({
          where: { status: 'awaiting_decision', plan: live },
          select: { id: true, planId: true, reasons: true, onBehalfOfAdult: true, requestedAt: true, decisionDueDate: true },
          orderBy: { decisionDueDate: 'asc' },
        }),
      'restrictive-measures': async () => {
        const rows = await db.planMeasure.findMany({
          where: { restrictive: true, plan: live },
          select: { planId: true, id: true, type: true, legalAdviceRef: true, plan: { select: { nextReviewDate: true, oneToOneReviewDate: true } } },
        });
        return rows
          .map(({ plan: p, ...m }) => ({ ...m, reviewDate: (m.type === 'one_to_one' ? p.oneToOneReviewDate : null) ?? p.nextReviewDate }))
          .sort((a, b) => String(a.reviewDate).localeCompare(String(b.reviewDate)));
      },
    };
    res.json({ list, team: actor.team, items: await lists[list]() });
  });

  router.get('/reports/plan-outcomes', async (req, res) => {
    const actor = actorOf(req);
    const query = parse(ReportQuery, req, 'query');
    const scope = reportScope(actor, query.team);
    ensure(!!scope, 'Reports are for managers and safeguarding leads');
    const { team } = scope!;
    const rows = await db.plan.findMany({
      where: { status: 'ended', endedAt: { gte: new Date(`${query.from}T00:00:00Z`), lt: new Date(`${addDays(query.to, 1)}T00:00:00Z`) }, ...(team ? { team } : {}) },
      select: { consentBasis: true, endingGround: true, riskOutcome: true, outcomesAchieved: true },
    });
    res.json({ from: query.from, to: query.to, ...planOutcomeReport(rows as EndedPlanRow[]) });
  });

  return router;
}
