import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { Router, type Request } from 'express';
import { verifyAckToken } from '../../lib/ack-links';
import { audit } from '../../lib/audit';
import { hashDuressCode } from '../../lib/duress-code';
import { subjectTimeZone } from '../../lib/time-zone';
import {
  acknowledgeUpdate,
  checkInUpdate,
  checkOutUpdate,
  extendUpdate,
  raiseRedFlagUpdate,
  resolveIncidentUpdate,
  visitStateQuery,
  visitWorkflow,
  visitWorkflowId,
  workerView,
  type VisitActor,
  type VisitInput,
  VISIT_CLOSED,
} from '../../workflows/visit';
import { resolvePolicy } from '../../workflows/visit-policy';
import type { AppDeps } from '../deps';
import { actorOf, forbidden, type Actor } from '../http/actor';
import { actingAs } from '../http/cover';
import { visitPeople } from '../http/directory';
import { ensure, mayOnVisit, mayStartVisit, partOnVisit, visitListScope, type VisitAction } from '../http/policy';
import { AppError, conflict, notFound } from '../http/errors';
import { startOnce, temporalCall } from '../http/temporal';
import { parse } from '../http/validate';
import { ackOfferPage, ackRefusedPage, ackTakenPage } from './pages';
import { documentPaths } from '../openapi/paths';
import {
  AckParams,
  CheckInBody,
  ExtendBody,
  ListVisitsQuery,
  policyOverrides,
  policyRefused,
  RedFlagBody,
  ResolveBody,
  StartVisitBody,
  VisitList,
  VisitParams,
  VisitView,
} from '../schemas/visits';

/** Once the visit was found, a missing run means it has finished: that is a conflict, not a 404. */
const updateVisit = <T>(call: () => Promise<T>): Promise<T> =>
  temporalCall('Visit', call).catch((err: unknown) => {
    throw err instanceof AppError && err.status === 404 ? conflict(VISIT_CLOSED) : err;
  });

/** The visit records the part the actor plays on it (the buddy acts as "buddy"), not their job title. */
const actorFor = (a: Actor, part: string = a.role): VisitActor => ({ id: a.id, role: part, ...(a.name ? { name: a.name } : {}) });

const doc = documentPaths('visits');

const P = '/visits/{visitId}';
doc('post', '/visits', 'Start a visit now, or schedule one ahead', { body: StartVisitBody, okStatus: 201, errors: [400, 401, 403, 409] });
doc('get', '/visits', "List visits by status: a manager's team, or a worker's own", { query: ListVisitsQuery, ok: VisitList, errors: [400, 401, 403] });
doc('get', P, 'A visit with its timeline', { params: VisitParams, ok: VisitView, errors: [401, 403, 404] });
doc('post', `${P}/check-in`, 'Check in (the first check-in starts a scheduled visit)', { params: VisitParams, body: CheckInBody, errors: [400, 401, 403, 404, 409] });
doc('post', `${P}/extend`, 'Running late: a new expected end time, within policy', { params: VisitParams, body: ExtendBody, errors: [400, 401, 403, 404, 409] });
doc('post', `${P}/check-out`, 'End the visit safe', { params: VisitParams, body: CheckInBody, errors: [400, 401, 403, 404, 409] });
doc('post', `${P}/red-flag`, 'Raise a red flag: buddy and manager are alerted at once', { params: VisitParams, body: RedFlagBody, errors: [400, 401, 403, 404, 409] });
doc('post', `${P}/acknowledge`, 'Take charge of the alert under way', { params: VisitParams, errors: [401, 403, 404, 409] });
doc('post', `${P}/resolve`, 'Resolve the open incident with an outcome and rationale (manager)', { params: VisitParams, body: ResolveBody, errors: [400, 401, 403, 404, 409] });
doc('get', '/visits/ack/{token}', 'The page behind an acknowledgement link (changes nothing)', { params: AckParams, errors: [400, 403, 410] });
doc('post', '/visits/ack/{token}', 'Take charge through a signed, single-use, expiring link', { params: AckParams, errors: [400, 403, 404, 409, 410] });

export function visitRoutes({ temporal, db, config }: AppDeps): Router {
  const router = Router();
  const handleOf = (visitId: string): WorkflowHandle<typeof visitWorkflow> => temporal.workflow.getHandle(visitWorkflowId(visitId));

  /** The visit's parties and state, checked against what the actor may do. */
  async function authorised(req: Request, action: VisitAction) {
    // During a manager's cover their deputy acts on the team's visits as on its plans.
    const { actor } = await actingAs(db, actorOf(req));
    const { visitId } = parse(VisitParams, req, 'params');
    const handle = handleOf(visitId);
    const state = await temporalCall('Visit', () => handle.query(visitStateQuery));
    ensure(mayOnVisit(actor, action, state.parties), 'Not your visit or not your team');
    const part = partOnVisit(actor, state.parties)!;
    return { actor: actorFor(actor, part), part, handle, state, visitId };
  }

  /** An ack link's claim, or why it is refused: tampered and expired links look different to the recipient. */
  function claimOf(req: Request) {
    const { token } = parse(AckParams, req, 'params');
    const verified = verifyAckToken(token, config.LINK_SIGNING_SECRET, Date.now());
    if (verified.ok) return verified.claim;
    if (verified.reason === 'expired') throw new AppError(410, 'link_expired', 'This link has expired; use the app or call the manager');
    if (verified.reason === 'forged') throw new AppError(403, 'link_invalid', 'This link is not valid');
    throw new AppError(400, 'link_malformed', 'This link is incomplete; copy the whole link from the message');
  }

  router.post('/visits', async (req, res) => {
    const actor = actorOf(req);
    const body = parse(StartVisitBody, req);
    const workerId = actor.role === 'worker' ? (body.worker?.id ?? actor.id) : body.worker?.id;
    if (!workerId) throw new AppError(400, 'invalid_request', 'Invalid body: worker.id: required when a manager schedules a visit', [{ field: 'worker.id', message: 'required when a manager schedules a visit' }]);
    const worker = await db.user.findFirst({ where: { id: workerId, disabledAt: null }, select: { id: true, teamId: true, name: true, email: true } });
    ensure(mayStartVisit(actor, worker), 'A worker starts only their own visits; a manager schedules visits for workers of their team');
    const { policy, problems } = resolvePolicy(body.riskLevel, policyOverrides(body.policy));
    if (problems.length) throw policyRefused(problems);
    const needsSafeguard = body.riskLevel === 'high' && policy.highRiskNeedsSecondPersonOrApproval;
    if (needsSafeguard && !body.secondPersonPresent && actor.role !== 'manager') {
      throw forbidden('A high-risk visit needs a second person present or a manager to schedule (approve) it');
    }
    const people = await visitPeople(db, { ...worker!, teamId: worker!.teamId! }, { managerId: body.manager?.id, buddy: body.buddy });
    const visitId = body.visitId ?? randomUUID();
    const input: VisitInput = {
      visitId,
      team: worker!.teamId!,
      kind: body.kind,
      riskLevel: body.riskLevel,
      clientRef: body.clientRef,
      location: body.location,
      notes: body.notes,
      ...people,
      eta: new Date(body.eta).toISOString(),
      plannedStartAt: body.plannedStartAt && new Date(body.plannedStartAt).toISOString(),
      policy,
      duressCodeHash: body.duressCode && hashDuressCode(body.duressCode, config.LINK_SIGNING_SECRET),
      startedBy: actorFor(actor),
      safeguards: needsSafeguard ? (actor.role === 'manager' ? `Approved by manager ${actor.id}` : 'Second person present') : undefined,
    };
    await startOnce(temporal, 'Visit', visitWorkflow, { workflowId: visitWorkflowId(visitId), taskQueue: config.TEMPORAL_TASK_QUEUE, args: [input] });
    res
      .status(201)
      .location(`/visits/${visitId}`)
      .json({
        visitId,
        status: input.plannedStartAt ? 'scheduled' : 'open',
        eta: input.eta,
        plannedStartAt: input.plannedStartAt ?? null,
        // Whom an escalation reaches, so the worker can see it is the right people.
        alerts: { buddy: people.buddy.name, manager: people.manager.name, emergency: people.emergencyContact.name },
      });
  });

  router.get('/visits', async (req, res) => {
    const actor = actorOf(req);
    const query = parse(ListVisitsQuery, req, 'query');
    const scope = visitListScope(actor);
    if (!scope) throw forbidden("Only a team's manager and workers list visits");
    const rows = await db.visit.findMany({
      where: { ...scope, ...(query.status ? { status: query.status } : {}) },
      orderBy: { eta: 'asc' },
      take: query.limit,
    });
    const asSeenBy = (r: (typeof rows)[number]) =>
      'workerId' in scope && r.incidentReason === 'duress' ? { ...r, status: r.closedAt ? 'closed' : 'open', escalationLevel: 0 } : r;
    res.json({
      visits: rows.map(asSeenBy).map((r) => ({
        id: r.id,
        status: r.status,
        kind: r.kind,
        riskLevel: r.riskLevel,
        workerId: r.workerId,
        eta: r.eta.toISOString(),
        nextDueAt: r.nextDueAt?.toISOString() ?? null,
        escalationLevel: r.escalationLevel,
      })),
    });
  });

  /** Who holds the visit's alert or incident now, if anyone; a finished visit has nobody to ask. */
  const ownerOf = (visitId: string) =>
    handleOf(visitId)
      .query(visitStateQuery)
      .then((s) => s.alert?.owner ?? s.incident?.owner ?? null)
      .catch(() => null);

  router.get('/visits/ack/:token', async (req, res) => {
    let claim: ReturnType<typeof claimOf>;
    try {
      claim = claimOf(req);
    } catch (err) {
      // Whoever opens a refused link is a person in a browser: tell them in a page, not in JSON.
      if (!(err instanceof AppError) || req.accepts(['json', 'html']) !== 'html') throw err;
      res.status(err.status).type('html').send(ackRefusedPage(err.message));
      return;
    }
    const token = await db.ackToken.findUnique({ where: { id: claim.tokenId } });
    if (!token) throw notFound('Link');
    res.type('html').send(ackOfferPage(token.recipient, claim.role, await ownerOf(claim.visitId), await subjectTimeZone(db, 'visit', claim.visitId)));
  });

  router.post('/visits/ack/:token', async (req, res) => {
    const claim = claimOf(req);
    const used = await db.ackToken.updateMany({ where: { id: claim.tokenId, usedAt: null }, data: { usedAt: new Date(), usedBy: claim.role } });
    if (used.count === 0) {
      const exists = await db.ackToken.findUnique({ where: { id: claim.tokenId } });
      if (!exists) throw notFound('Link');
      const owner = await ownerOf(claim.visitId);
      if (owner && req.accepts(['json', 'html']) === 'html') {
        res.status(409).type('html').send(ackTakenPage(owner, false, await subjectTimeZone(db, 'visit', claim.visitId)));
        return;
      }
      throw conflict('This link has already been used');
    }
    const token = await db.ackToken.findUniqueOrThrow({ where: { id: claim.tokenId } });
    const state = await updateVisit(() =>
      handleOf(claim.visitId).executeUpdate(acknowledgeUpdate, { args: [{ actor: { id: `link:${claim.role}`, role: claim.role, name: token.recipient }, via: 'link' }] }),
    );
    const owner = state.alert?.owner ?? null;
    const timeZone = await subjectTimeZone(db, 'visit', claim.visitId);
    res.format({
      html: () => res.send(ackTakenPage(owner!, true, timeZone)),
      default: () => res.json({ visitId: claim.visitId, owner }),
    });
  });

  router.get('/visits/:visitId', async (req, res) => {
    const { actor, part, state, visitId } = await authorised(req, 'read');
    await audit(db, { actor, action: state.incident ? 'incident.read' : 'visit.read', target: { type: 'visit', id: visitId } });
    const isWorker = part === 'worker';
    const events = await db.visitEvent.findMany({ where: { visitId, ...(isWorker ? { visibleToWorker: true } : {}) }, orderBy: { seq: 'asc' } });
    res.json({
      visit: isWorker ? workerView(state) : state,
      timeline: events.map((e) => ({ seq: e.seq, type: e.type, at: e.at.toISOString(), actorId: e.actorId, actorRole: e.actorRole, reason: e.reason })),
    });
  });

  // The same body for both: a duress code behaves like any other code on the worker's screen.
  for (const [path, update] of [['check-in', checkInUpdate], ['check-out', checkOutUpdate]] as const) {
    router.post(`/visits/:visitId/${path}`, async (req, res) => {
      const { actor, handle } = await authorised(req, 'work');
      const { code } = parse(CheckInBody, req);
      const codeHash = code && hashDuressCode(code, config.LINK_SIGNING_SECRET);
      res.json(await updateVisit(() => handle.executeUpdate(update, { args: [{ actor, codeHash }] })));
    });
  }

  router.post('/visits/:visitId/extend', async (req, res) => {
    const { actor, handle } = await authorised(req, 'work');
    const body = parse(ExtendBody, req);
    const eta = new Date(body.eta).toISOString();
    res.json(await updateVisit(() => handle.executeUpdate(extendUpdate, { args: [{ actor, eta, reason: body.reason }] })));
  });

  router.post('/visits/:visitId/red-flag', async (req, res) => {
    const { actor, part, handle } = await authorised(req, 'raise_red_flag');
    const { reason } = parse(RedFlagBody, req);
    const state = await updateVisit(() => handle.executeUpdate(raiseRedFlagUpdate, { args: [{ actor, reason }] }));
    res.json(part === 'worker' ? workerView(state) : state);
  });

  router.post('/visits/:visitId/acknowledge', async (req, res) => {
    const { actor, handle } = await authorised(req, 'acknowledge');
    res.json(await updateVisit(() => handle.executeUpdate(acknowledgeUpdate, { args: [{ actor, via: 'api' }] })));
  });

  router.post('/visits/:visitId/resolve', async (req, res) => {
    const { actor, handle } = await authorised(req, 'resolve');
    const body = parse(ResolveBody, req);
    res.json(await updateVisit(() => handle.executeUpdate(resolveIncidentUpdate, { args: [{ actor, ...body }] })));
  });

  return router;
}
