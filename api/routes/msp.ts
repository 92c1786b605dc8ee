// Making Safeguarding Personal rules (issue 9): declined support, action without consent,
// deputies and professional disagreements.
import { randomUUID } from 'node:crypto';
import type { UpdateDefinition } from '@temporalio/common';
import { Router, type Request } from 'express';
import type { z } from 'zod';
import { mayDecideWithoutConsent } from '../../domain/msp/without-consent';
import type { Db } from '../../lib/db';
import { declinedSupportWorkflow } from '../../workflows/declined-support';
import {
  resolveDeclinedSupportPolicy,
  closeDeclinedSupportUpdate,
  convertToPlanUpdate,
  declinedSupportQuery,
  declinedSupportWorkflowId,
  recordContactUpdate,
  type DeclinedSupportState,
} from '../../workflows/declined-support-contract';
import { disagreementWorkflow } from '../../workflows/disagreement';
import { disagreementQuery, disagreementWorkflowId, resolveDisagreementPolicy, respondToDisagreementUpdate } from '../../workflows/disagreement-contract';
import { planStateQuery, planWorkflowId } from '../../workflows/plan-contract';
import type { AppDeps } from '../deps';
import { actorOf, forbidden, type Actor } from '../http/actor';
import { actingAs } from '../http/cover';
import { conflict, notFound } from '../http/errors';
import { answering } from '../http/requests';
import { startOnce, temporalCall } from '../http/temporal';
import { parse } from '../http/validate';
import { documentPaths, WRITE_ERRORS } from '../openapi/paths';
import {
  ActionsQuery,
  ActionWithoutConsentBody,
  CaseParams,
  CloseBody,
  ContactBody,
  ConvertBody,
  CreateDeclinedSupportBody,
  DeputyBody,
  DisagreementBody,
  DisagreementParams,
  DisagreementResponseBody,
  PlanIdParams,
} from '../schemas/msp';

const doc = documentPaths('making-safeguarding-personal');
const C = '/declined-support/{caseId}';
doc('post', '/declined-support', 'Record declined support; follow-up contacts are scheduled (keep the door open)', {
  body: CreateDeclinedSupportBody,
  okStatus: 201,
  errors: [400, 401, 403, 409],
});
doc('get', C, 'A declined-support case with its follow-ups and contacts', { params: CaseParams, errors: [401, 403, 404] });
doc('post', `${C}/contacts`, 'Record a follow-up contact and what happened', { requested: true, params: CaseParams, body: ContactBody, errors: WRITE_ERRORS });
doc('post', `${C}/convert`, 'Convert to a plan: the adult agrees or a consent caveat arises; follow-ups stop', {
  requested: true,
  params: CaseParams,
  body: ConvertBody,
  errors: WRITE_ERRORS,
});
doc('post', `${C}/close`, 'Close the case (manager), with a rationale', { requested: true, params: CaseParams, body: CloseBody, errors: WRITE_ERRORS });
doc('post', '/actions-without-consent', "Record an action taken without the adult's consent; refused without one of the five grounds", {
  body: ActionWithoutConsentBody,
  okStatus: 201,
  errors: [400, 401, 403, 404],
});
doc('get', '/actions-without-consent', 'Actions taken without consent for a plan or case', { query: ActionsQuery, errors: [400, 401, 403, 404] });
doc('post', '/deputies', 'Designate a deputy for a period (manager): messages and decisions due to the manager go to them', {
  body: DeputyBody,
  okStatus: 201,
  errors: [400, 401, 403],
});
doc('get', '/deputies', "The team's covers, with what each deputy received", { errors: [401, 403] });
doc('post', '/plans/{planId}/disagreements', 'Record a professional disagreement with a plan decision', {
  params: PlanIdParams,
  body: DisagreementBody,
  okStatus: 201,
  errors: WRITE_ERRORS,
});
doc('post', '/disagreements/{disagreementId}/response', "The manager's final decision and rationale", {
  requested: true,
  params: DisagreementParams,
  body: DisagreementResponseBody,
  errors: WRITE_ERRORS,
});
doc('get', '/disagreement-lists/unresolved', 'Disagreements awaiting a final decision (for the safeguarding lead; a manager sees their team)', { errors: [401, 403] });

const isStaffOf = (a: Actor, team: string) => ((a.role === 'manager' || a.role === 'practitioner') && a.team === team) || a.role === 'safeguarding_lead';

async function teamOfSubject(db: Db, subject: { type: 'plan' | 'declined_support'; id: string }): Promise<string> {
  const row =
    subject.type === 'plan'
      ? await db.plan.findUnique({ where: { id: subject.id }, select: { team: true } })
      : await db.declinedSupport.findUnique({ where: { id: subject.id }, select: { team: true } });
  if (!row) throw notFound(subject.type === 'plan' ? 'Plan' : 'Declined-support case');
  return row.team;
}

export function mspRoutes({ temporal, db, config }: AppDeps): Router {
  const router = Router();
  const caseHandle = (caseId: string) => temporal.workflow.getHandle<typeof declinedSupportWorkflow>(declinedSupportWorkflowId(caseId));
  const who = (req: Request) => actingAs(db, actorOf(req));
  const answer = answering({ db, config });

  router.post('/declined-support', async (req, res) => {
    const actor = actorOf(req);
    const body = parse(CreateDeclinedSupportBody, req);
    if ((actor.role !== 'practitioner' && actor.role !== 'manager') || !actor.team) throw forbidden("Only a team's practitioner or manager records declined support");
    const caseId = body.caseId ?? randomUUID();
    // The directory's manager hears when a follow-up cannot reach the lead practitioner.
    const manager = await db.user.findFirst({ where: { teamId: actor.team, role: 'manager', disabledAt: null }, select: { id: true, email: true }, orderBy: { createdAt: 'asc' } });
    await startOnce(temporal, 'Declined-support case', declinedSupportWorkflow, {
      workflowId: declinedSupportWorkflowId(caseId),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [
        {
          caseId,
          team: actor.team,
          refusal: body.refusal,
          leadPractitioner: body.leadPractitioner,
          manager: manager ?? undefined,
          createdBy: { actorId: actor.id, actorRole: actor.role },
          policy: resolveDeclinedSupportPolicy(body.policy),
        },
      ],
    });
    res.status(201).location(`/declined-support/${caseId}`).json({ caseId, status: 'open' });
  });

  async function caseOf(req: Request) {
    const { actor, by } = await who(req);
    const { caseId } = parse(CaseParams, req, 'params');
    const handle = caseHandle(caseId);
    const state = await temporalCall('Declined-support case', () => handle.query(declinedSupportQuery));
    if (!isStaffOf(actor, state.team)) throw forbidden('Not a case of your team');
    return { caseId, handle, by, state };
  }

  router.get('/declined-support/:caseId', async (req, res) => {
    const { caseId, state } = await caseOf(req);
    const events = await db.declinedSupportEvent.findMany({ where: { caseId }, orderBy: { at: 'asc' } });
    res.json({ caseId, state, timeline: events });
  });
  /** A POST that becomes one update of the case's workflow. */
  function caseUpdate<S extends z.ZodType, A>(path: string, schema: S, update: UpdateDefinition<DeclinedSupportState, [A]>) {
    router.post(`/declined-support/:caseId/${path}`, async (req, res) => {
      const body = parse(schema, req);
      const { handle, by, state } = await caseOf(req);
      // A converted or closed case's workflow has finished and takes no more requests; say why.
      if (state.status !== 'open') throw conflict(`The case is ${state.status}`);
      await answer(res, 'Declined-support case', { handle, update, args: [{ ...(body as object), by } as A], actorId: by.actorId });
    });
  }
  caseUpdate('contacts', ContactBody, recordContactUpdate);
  caseUpdate('convert', ConvertBody, convertToPlanUpdate);
  caseUpdate('close', CloseBody, closeDeclinedSupportUpdate);

  router.post('/actions-without-consent', async (req, res) => {
    const body = parse(ActionWithoutConsentBody, req);
    const { actor, by } = await who(req);
    const team = await teamOfSubject(db, body.subject);
    if (!isStaffOf(actor, team)) throw forbidden('Not a case of your team');
    if (!mayDecideWithoutConsent(actor.role, body.ground)) throw forbidden('Only a manager or safeguarding lead decides this; a practitioner only in an emergency');
    const { subject, adultToldAt, ...rest } = body;
    const row = await db.actionWithoutConsent.create({
      data: {
        ...rest,
        subjectType: subject.type,
        subjectId: subject.id,
        team,
        adultToldAt: adultToldAt ? new Date(adultToldAt) : null,
        decidedById: by.actorId,
        decidedByRole: by.actorRole,
        onBehalfOfId: by.onBehalfOf ?? null,
        decidedAt: new Date(),
      },
    });
    res.status(201).json(row);
  });
  router.get('/actions-without-consent', async (req, res) => {
    const query = parse(ActionsQuery, req, 'query');
    const { actor } = await who(req);
    const team = await teamOfSubject(db, { type: query.subjectType, id: query.subjectId });
    if (!isStaffOf(actor, team)) throw forbidden('Not a case of your team');
    res.json({ items: await db.actionWithoutConsent.findMany({ where: { subjectType: query.subjectType, subjectId: query.subjectId }, orderBy: { decidedAt: 'asc' } }) });
  });

  router.post('/deputies', async (req, res) => {
    const actor = actorOf(req);
    const body = parse(DeputyBody, req);
    if (actor.role !== 'manager' || !actor.team) throw forbidden('Only a manager designates their deputy');
    const cover = await db.managerDeputy.create({
      data: { ...body, team: actor.team, managerId: actor.id, from: new Date(body.from), until: new Date(body.until), createdById: actor.id },
    });
    res.status(201).json(cover);
  });
  router.get('/deputies', async (req, res) => {
    const { actor } = await who(req);
    if (actor.role !== 'manager' || !actor.team) throw forbidden("Only a team's manager reads its covers");
    res.json({ items: await db.managerDeputy.findMany({ where: { team: actor.team }, include: { deliveries: { orderBy: { at: 'asc' } } }, orderBy: { from: 'desc' } }) });
  });

  router.post('/plans/:planId/disagreements', async (req, res) => {
    const body = parse(DisagreementBody, req);
    const { actor, by } = await who(req);
    const { planId } = parse(PlanIdParams, req, 'params');
    const plan = await temporalCall('Plan', () => temporal.workflow.getHandle(planWorkflowId(planId)).query(planStateQuery));
    if (!isStaffOf(actor, plan.team)) throw forbidden('Not a plan of your team');
    const disagreementId = randomUUID();
    const { policy, ...about } = body;
    await startOnce(temporal, 'Disagreement', disagreementWorkflow, {
      workflowId: disagreementWorkflowId(disagreementId),
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [{ ...about, disagreementId, planId, team: plan.team, contacts: plan.contacts, raisedBy: by, policy: resolveDisagreementPolicy(policy) }],
    });
    res.status(201).location(`/disagreements/${disagreementId}`).json({ disagreementId, status: 'awaiting_response' });
  });
  router.post('/disagreements/:disagreementId/response', async (req, res) => {
    const body = parse(DisagreementResponseBody, req);
    const { actor, by } = await who(req);
    const { disagreementId } = parse(DisagreementParams, req, 'params');
    const handle = temporal.workflow.getHandle<typeof disagreementWorkflow>(disagreementWorkflowId(disagreementId));
    const { team } = await temporalCall('Disagreement', () => handle.query(disagreementQuery));
    if (actor.role !== 'manager' || actor.team !== team) throw forbidden("Only the team's manager (or their deputy during cover) gives the final decision");
    await answer(res, 'Disagreement', { handle, update: respondToDisagreementUpdate, args: [{ ...body, by }], actorId: by.actorId });
  });
  router.get('/disagreement-lists/unresolved', async (req, res) => {
    const { actor } = await who(req);
    if (actor.role !== 'safeguarding_lead' && actor.role !== 'manager') throw forbidden('For the safeguarding lead and managers');
    const where = { status: 'awaiting_response', ...(actor.role === 'manager' ? { team: actor.team } : {}) };
    res.json({ items: await db.planDisagreement.findMany({ where, orderBy: { responseDueDate: 'asc' } }) });
  });

  return router;
}
