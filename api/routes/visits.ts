import { randomUUID } from 'node:crypto';
import type { SignalDefinition, WorkflowHandle } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Visit } from '../../generated/prisma/client';
import { verifyAckToken, type AckClaim } from '../../lib/ack-links';
import { audit } from '../../lib/audit';
import { hashDuressCode } from '../../lib/duress-code';
import { subjectTimeZone } from '../../lib/time-zone';
import { visitWorkflowV3 } from '../../workflows/visit';
import {
  acknowledgeRefusal,
  acknowledgeSignal,
  checkInRefusal,
  checkInSignal,
  checkOutRefusal,
  checkOutSignal,
  extendUpdate,
  raiseRedFlagSignal,
  redFlagRefusal,
  resolveIncidentUpdate,
  visitStartOptions,
  visitStateQuery,
  visitWorkflowId,
  workerView,
  type CheckInRequest,
  type Owner,
  type VisitActor,
  type RequestedVisitInput,
  type VisitState,
  VISIT_CLOSED,
} from '../../workflows/visit-contract';
import { resolvePolicy } from '../../workflows/visit-policy';
import type { AppDeps } from '../deps';
import { actorOf, forbidden, type Actor } from '../http/actor';
import { actingAs } from '../http/cover';
import { visitPeople } from '../http/directory';
import { ensure, mayOnVisit, mayStartVisit, partOnVisit, visitListScope, type VisitAction } from '../http/policy';
import { AppError, conflict, notFound } from '../http/errors';
import { answering, type AskedRequest } from '../http/requests';
import { endedIfGone, startOnce, temporalCall } from '../http/temporal';
import { parse } from '../http/validate';
import { writeStartedVisitRow } from '../http/visit-row';
import { ackOfferPage, ackRefusedPage, ackTakenPage, imOkDonePage, imOkOfferPage } from './pages';
import { documentPaths, WRITE_ERRORS } from '../openapi/paths';
import {
  AckParams,
  Accepted,
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
const updateVisit = <T>(call: () => Promise<T>): Promise<T> => temporalCall('Visit', call).catch(endedIfGone(VISIT_CLOSED));

/** The visit records the part the actor plays on it (the buddy acts as "buddy"), not their job title. */
const actorFor = (a: Actor, part: string = a.role): VisitActor => ({ id: a.id, role: part, ...(a.name ? { name: a.name } : {}) });

const doc = documentPaths('visits');
/** A message kept the moment Temporal has it and acted on by the visit: answered 202. */
const documentAccepted = (path: string, summary: string, parts: { params: z.ZodObject; body?: z.ZodType; errors: number[] }) =>
  doc('post', path, summary, { ...parts, ok: Accepted, okStatus: 202 });

const P = '/visits/{visitId}';
doc('post', '/visits', 'Start a visit now, or schedule one ahead', { body: StartVisitBody, okStatus: 201, errors: [400, 401, 403, 409] });
doc('get', '/visits', "List visits by status: a manager's team, or a worker's own", { query: ListVisitsQuery, ok: VisitList, errors: [400, 401, 403] });
doc('get', P, 'A visit with its timeline', { params: VisitParams, ok: VisitView, errors: [401, 403, 404] });
documentAccepted(`${P}/check-in`, 'Check in (the first check-in starts a scheduled visit): kept at once, acted on by the visit', {
  params: VisitParams,
  body: CheckInBody,
  errors: WRITE_ERRORS,
});
doc('post', `${P}/extend`, 'Running late: a new expected end time, within policy', { requested: true, params: VisitParams, body: ExtendBody, errors: WRITE_ERRORS });
documentAccepted(`${P}/check-out`, 'End the visit safe: kept at once, acted on by the visit', { params: VisitParams, body: CheckInBody, errors: WRITE_ERRORS });
documentAccepted(`${P}/red-flag`, 'Raise a red flag: kept at once, even with no worker running; buddy and manager are alerted', {
  params: VisitParams,
  body: RedFlagBody,
  errors: WRITE_ERRORS,
});
documentAccepted(`${P}/acknowledge`, 'Take charge of the alert under way, or of an overdue visit', { params: VisitParams, errors: [401, 403, 404, 409] });
doc('post', `${P}/resolve`, 'Resolve the open incident with an outcome and rationale (manager)', { requested: true, params: VisitParams, body: ResolveBody, errors: WRITE_ERRORS });
doc('get', '/visits/ack/{token}', 'The page behind an acknowledgement link (changes nothing)', { params: AckParams, errors: [400, 403, 410] });
documentAccepted('/visits/ack/{token}', 'Take charge through a signed, single-use, expiring link', { params: AckParams, errors: [400, 403, 404, 409, 410] });
doc('get', '/visits/ok/{token}', "The page behind a worker's I'm OK link (changes nothing)", { params: AckParams, errors: [400, 403, 404, 410] });
documentAccepted('/visits/ok/{token}', "Check in through the signed, single-use I'm OK link of a reminder or alert", { params: AckParams, errors: [400, 403, 404, 409, 410] });

/** The visit as last recorded, seen at `nowMs`: past its deadline with nothing under way, it is overdue. */
function seenAt(state: VisitState, nowMs: number): VisitState {
  const overdue = state.status === 'open' && state.phase === 'in-progress' && !!state.nextDueAt && Date.parse(state.nextDueAt) <= nowMs;
  return overdue ? { ...state, status: 'overdue' } : state;
}

export function visitRoutes({ temporal, db, config }: AppDeps): Router {
  const router = Router();
  const handleOf = (visitId: string): WorkflowHandle<typeof visitWorkflowV3> => temporal.workflow.getHandle(visitWorkflowId(visitId));
  const answer = answering({ db, config });
  const answerVisit = <R, A extends unknown[]>(res: Response, request: AskedRequest<R, A>) => updateVisit(() => answer(res, 'Visit', request));

  /**
   * The visit as its row last recorded it. Visits started before the row kept the workflow's
   * state answer from a query, until their next event writes it.
   */
  async function recorded(visitId: string) {
    // Every visit request reads it: raw, at a third of the ORM query's CPU, the same row.
    const [row] = await db.$queryRaw<Visit[]>`SELECT * FROM "Visit" WHERE "id" = ${visitId}`;
    if (!row) throw notFound('Visit');
    const state = (row.state as VisitState | null) ?? (await temporalCall('Visit', () => handleOf(visitId).query(visitStateQuery)));
    return { row, state: seenAt(state, Date.now()) };
  }

  /** The visit's parties and state from its row, checked against what the actor may do: no trip through a worker. */
  async function authorised(req: Request, action: VisitAction) {
    // During a manager's cover their deputy acts on the team's visits as on its plans.
    const { actor } = await actingAs(db, actorOf(req));
    const { visitId } = parse(VisitParams, req, 'params');
    const { row, state } = await recorded(visitId);
    ensure(mayOnVisit(actor, action, row), 'Not your visit or not your team');
    const part = partOnVisit(actor, row)!;
    return { actor: actorFor(actor, part), part, handle: handleOf(visitId), state, visitId };
  }

  /** Sends a signal: once Temporal has it, it is kept and acted on whenever a worker runs. */
  async function accept(res: Response, visitId: string, what: string, send: () => Promise<void>) {
    await updateVisit(send);
    res.status(202).json({ visitId, accepted: what, at: new Date().toISOString() });
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
    if (!workerId)
      throw new AppError(400, 'invalid_request', 'Invalid body: worker.id: required when a manager schedules a visit', [
        { field: 'worker.id', message: 'required when a manager schedules a visit' },
      ]);
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
    const input: RequestedVisitInput = {
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
      requestedAt: new Date().toISOString(),
    };
    await startOnce(temporal, 'Visit', visitWorkflowV3, { ...visitStartOptions(input), taskQueue: config.TEMPORAL_TASK_QUEUE });
    await writeStartedVisitRow(db, input);
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
    const now = new Date();
    // Overdue is an open visit past its deadline: the workflow spends no event on saying so.
    const late = { status: 'open', nextDueAt: { lte: now } };
    const byStatus =
      query.status === 'overdue'
        ? { OR: [{ status: 'overdue' }, late] }
        : query.status === 'open'
          ? { status: 'open', OR: [{ nextDueAt: null }, { nextDueAt: { gt: now } }] }
          : query.status
            ? { status: query.status }
            : {};
    const rows = await db.visit.findMany({ where: { ...scope, ...byStatus }, orderBy: { eta: 'asc' }, take: query.limit });
    const asSeenBy = (r: (typeof rows)[number]) =>
      'workerId' in scope && r.incidentReason === 'duress'
        ? { ...r, status: r.closedAt ? 'closed' : 'open', escalationLevel: 0 }
        : { ...r, status: r.status === 'open' && r.nextDueAt && r.nextDueAt <= now ? 'overdue' : r.status };
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

  /** Who holds the visit's alert or incident now, if anyone, as last recorded. */
  const ownerOf = (visitId: string) =>
    recorded(visitId)
      .then(({ state }) => state.alert?.owner ?? state.incident?.owner ?? null)
      .catch(() => null);

  /** Why a take-charge would be refused, judged from the row; the workflow decides a race the row cannot see. */
  const ackRefusal = (state: VisitState) => acknowledgeRefusal(state, state.status === 'overdue');

  /** An ack link's claim for a page, or null once the refusal was sent: whoever opens a link is a person in a browser. */
  function claimForPage(req: Request, res: Response): AckClaim | null {
    try {
      return claimOf(req);
    } catch (err) {
      if (!(err instanceof AppError) || req.accepts(['json', 'html']) !== 'html') throw err;
      res.status(err.status).type('html').send(ackRefusedPage(err.message));
      return null;
    }
  }

  /** A link's token row when it is of this kind: a take-charge link never checks in, an "I'm OK" link never takes charge. */
  async function tokenOf(claim: AckClaim, purpose: 'take-charge' | 'im-ok') {
    const token = await db.ackToken.findUnique({ where: { id: claim.tokenId } });
    if (!token || token.purpose !== purpose) throw notFound('Link');
    return token;
  }

  /** A refused link use: a page for a browser, a 409 for anyone else. */
  function refuseLink(req: Request, res: Response, why: string, owner: Owner | null | undefined, timeZone?: string): void {
    if (req.accepts(['json', 'html']) !== 'html') throw conflict(why);
    res
      .status(409)
      .type('html')
      .send(owner ? ackTakenPage(owner, false, timeZone) : ackRefusedPage(why));
  }

  /** A link is spent only once the message it carries is kept: a failed signal leaves it usable. */
  async function spend(tokenId: string, usedBy: string, send: () => Promise<void>): Promise<void> {
    await updateVisit(send);
    await db.ackToken.updateMany({ where: { id: tokenId, usedAt: null }, data: { usedAt: new Date(), usedBy } });
  }

  router.get('/visits/ack/:token', async (req, res) => {
    const claim = claimForPage(req, res);
    if (!claim) return;
    const token = await tokenOf(claim, 'take-charge');
    res.type('html').send(ackOfferPage(token.recipient, claim.role, await ownerOf(claim.visitId), await subjectTimeZone(db, 'visit', claim.visitId)));
  });

  router.post('/visits/ack/:token', async (req, res) => {
    const claim = claimOf(req);
    const token = await tokenOf(claim, 'take-charge');
    const { state } = await recorded(claim.visitId);
    const refused = token.usedAt ? 'This link has already been used' : ackRefusal(state);
    const timeZone = await subjectTimeZone(db, 'visit', claim.visitId);
    if (refused) return refuseLink(req, res, refused, state.alert?.owner ?? state.incident?.owner, timeZone);
    const actor = { id: `link:${claim.role}`, role: claim.role, name: token.recipient };
    await spend(token.id, claim.role, () => handleOf(claim.visitId).signal(acknowledgeSignal, { actor, via: 'link' }));
    const taking = { ...actor, at: new Date().toISOString() };
    res.status(202).format({
      html: () => res.send(ackTakenPage(taking, true, timeZone)),
      default: () => res.json({ visitId: claim.visitId, accepted: 'acknowledge', at: taking.at, owner: taking }),
    });
  });

  router.get('/visits/ok/:token', async (req, res) => {
    const claim = claimForPage(req, res);
    if (!claim) return;
    const token = await tokenOf(claim, 'im-ok');
    res.type('html').send(imOkOfferPage(token.recipient));
  });

  router.post('/visits/ok/:token', async (req, res) => {
    const claim = claimOf(req);
    const token = await tokenOf(claim, 'im-ok');
    const { row, state } = await recorded(claim.visitId);
    const refused = token.usedAt ? 'This link has already been used' : checkInRefusal(state);
    if (refused) return refuseLink(req, res, refused, null);
    await spend(token.id, 'worker', () => handleOf(claim.visitId).signal(checkInSignal, { actor: { id: row.workerId, role: 'worker', name: token.recipient } }));
    res.status(202).format({
      html: () => res.send(imOkDonePage()),
      default: () => res.json({ visitId: claim.visitId, accepted: 'check-in', at: new Date().toISOString() }),
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

  /** A message the visit keeps the moment Temporal has it: refused with 409 when its row already shows why. */
  function signalRoute<M>(
    action: string,
    access: VisitAction,
    signal: SignalDefinition<[M]>,
    message: (req: Request, actor: VisitActor) => M,
    refusal: (s: VisitState) => string | null,
  ) {
    router.post(`/visits/:visitId/${action}`, async (req, res) => {
      const { actor, handle, state, visitId } = await authorised(req, access);
      const sent = message(req, actor);
      const refused = refusal(state);
      if (refused) throw conflict(refused);
      await accept(res, visitId, action, () => handle.signal(signal, sent));
    });
  }

  // The same checks and the same answer for both, whatever the code: a duress code behaves like any other on the worker's screen.
  const withCode = (req: Request, actor: VisitActor): CheckInRequest => {
    const { code } = parse(CheckInBody, req);
    return { actor, codeHash: code && hashDuressCode(code, config.LINK_SIGNING_SECRET) };
  };
  signalRoute('check-in', 'work', checkInSignal, withCode, checkInRefusal);
  signalRoute('check-out', 'work', checkOutSignal, withCode, checkOutRefusal);
  signalRoute('red-flag', 'raise_red_flag', raiseRedFlagSignal, (req, actor) => ({ actor, reason: parse(RedFlagBody, req).reason }), redFlagRefusal);
  signalRoute('acknowledge', 'acknowledge', acknowledgeSignal, (_req, actor) => ({ actor, via: 'api' as const }), ackRefusal);

  router.post('/visits/:visitId/extend', async (req, res) => {
    const { actor, handle } = await authorised(req, 'work');
    const body = parse(ExtendBody, req);
    const eta = new Date(body.eta).toISOString();
    await answerVisit(res, { handle, update: extendUpdate, args: [{ actor, eta, reason: body.reason }], actorId: actor.id });
  });

  router.post('/visits/:visitId/resolve', async (req, res) => {
    const { actor, handle } = await authorised(req, 'resolve');
    const body = parse(ResolveBody, req);
    await answerVisit(res, { handle, update: resolveIncidentUpdate, args: [{ actor, ...body }], actorId: actor.id });
  });

  return router;
}
