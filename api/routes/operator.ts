import { Router, type Request, type Response } from 'express';
import { audit, verifyAuditChain } from '../../lib/audit';
import { createVisitActivities } from '../../activities/visits';
import { chronologyHtml, planChronology, visitChronology, type Chronology } from '../../operations/chronology';
import { exportableHistory, fetchRuns, pendingTimers } from '../../operations/history';
import { reconcileMany, reconcileWorkflow, resyncWorkflow } from '../../operations/reconcile';
import { timelineOf } from '../../operations/timeline';
import { failingWorkflows, kindOf, listWorkflows, pendingActivities, retryActivitiesNow, VIEWS, visibilityQuery } from '../../operations/workflows';
import type { AppDeps } from '../deps';
import { actorOf, type Actor } from '../http/actor';
import { notFound } from '../http/errors';
import { ensure, managesTeam, mayOperate } from '../http/policy';
import { temporalCall } from '../http/temporal';
import { parse } from '../http/validate';
import { documentPaths } from '../openapi/paths';
import {
  ChainReport,
  FailingQuery,
  PlanChronologyParams,
  ReasonBody,
  ReconcileBody,
  RetryBody,
  Timeline,
  VisitChronologyParams,
  WorkflowCount,
  WorkflowFilterQuery,
  WorkflowList,
  WorkflowParams,
} from '../schemas/operator';

const doc = documentPaths('operator');
const W = '/operator/workflows/{workflowId}';
const read = [400, 401, 403, 404];
doc('get', '/operator/workflows', 'List visits and plans by their search attributes (a named view or filters)', {
  query: WorkflowFilterQuery,
  ok: WorkflowList,
  errors: [400, 401, 403],
});
doc('get', '/operator/workflows/count', 'Count visits and plans by their search attributes', { query: WorkflowFilterQuery, ok: WorkflowCount, errors: [400, 401, 403] });
doc('get', '/operator/workflows/failing', 'Open workflows whose activities keep failing, with attempts and last error', { query: FailingQuery, errors: [400, 401, 403] });
doc('get', `${W}/timeline`, "The workflow's history in domain words, every run", { params: WorkflowParams, ok: Timeline, errors: read });
doc('get', `${W}/history`, 'The raw history of every run, for export (payloads as stored)', { params: WorkflowParams, errors: read });
doc('get', `${W}/pending`, 'Pending timers with fire times, and pending activities with attempts and last error', { params: WorkflowParams, errors: read });
doc('get', `${W}/reconciliation`, 'Compare the workflow with its database record and audit trail', { params: WorkflowParams, errors: read });
doc('post', `${W}/retry`, 'Retry failing activities now (attempts reset to 1), with a reason', { params: WorkflowParams, body: RetryBody, errors: [...read, 409] });
doc('post', `${W}/terminate`, 'Terminate the workflow, with a reason', { params: WorkflowParams, body: ReasonBody, errors: [...read, 409] });
doc('post', `${W}/resync`, "Re-sync the database record from the workflow's state, with a reason", { params: WorkflowParams, body: ReasonBody, errors: [...read, 409] });
doc('post', '/operator/reconcile', 'Reconcile many workflows (by ids, or the open ones of a kind) and report every difference', { body: ReconcileBody, errors: [400, 401, 403] });
doc('get', '/operator/audit/verify', "Verify the audit trail's hash chain; names the first broken entry", { ok: ChainReport, errors: [401, 403] });
doc('get', '/chronology/visits/{visitId}', "A visit's chronology as an HTML document for a review", { params: VisitChronologyParams, okType: 'text/html', errors: read });
doc('get', '/chronology/plans/{planId}', "A plan's chronology as an HTML document for a review (Safeguarding Adults Review)", {
  params: PlanChronologyParams,
  okType: 'text/html',
  errors: read,
});

/** Operators and admins run the machinery; every action they take carries their reason. */
export function operatorRoutes({ temporal, db, config, channel }: AppDeps): Router {
  const router = Router();
  const { recordVisitEvent } = createVisitActivities({ db, channel, publicUrl: config.PUBLIC_URL, linkSecret: config.LINK_SIGNING_SECRET });

  function operator(req: Request): Actor {
    const actor = actorOf(req);
    ensure(mayOperate(actor), 'For operators and admins');
    return actor;
  }

  function workflowOf(req: Request) {
    const actor = operator(req);
    const { workflowId } = parse(WorkflowParams, req, 'params');
    return { actor, workflowId, kind: kindOf(workflowId)!, target: { type: 'workflow', id: workflowId } };
  }

  const filterOf = (req: Request) => {
    const { view, limit, ...filters } = parse(WorkflowFilterQuery, req, 'query');
    return { query: visibilityQuery({ ...(view ? VIEWS[view]() : {}), ...filters }), limit };
  };

  router.get('/operator/workflows', async (req, res) => {
    operator(req);
    const { query, limit } = filterOf(req);
    res.json({ query, workflows: await listWorkflows(temporal, query, limit) });
  });

  router.get('/operator/workflows/count', async (req, res) => {
    operator(req);
    const { query } = filterOf(req);
    res.json({ query, count: (await temporal.workflow.count(query)).count });
  });

  router.get('/operator/workflows/failing', async (req, res) => {
    operator(req);
    const { minAttempts, scan, ...filter } = parse(FailingQuery, req, 'query');
    res.json({ minAttempts, ...(await failingWorkflows(temporal, filter, minAttempts, scan)) });
  });

  router.get('/operator/workflows/:workflowId/timeline', async (req, res) => {
    const { actor, workflowId, kind, target } = workflowOf(req);
    const runs = await temporalCall('Workflow', () => fetchRuns(temporal, workflowId));
    await audit(db, { actor, action: 'operator.timeline-read', target });
    res.json({ workflowId, runs: runs.length, timeline: await timelineOf(temporal, runs, kind) });
  });

  router.get('/operator/workflows/:workflowId/history', async (req, res) => {
    const { actor, workflowId, target } = workflowOf(req);
    const runs = await temporalCall('Workflow', () => fetchRuns(temporal, workflowId));
    await audit(db, { actor, action: 'operator.history-exported', target });
    res.attachment(`${workflowId}-history.json`).json({ workflowId, runs: runs.map(exportableHistory) });
  });

  router.get('/operator/workflows/:workflowId/pending', async (req, res) => {
    const { workflowId } = workflowOf(req);
    const runs = await temporalCall('Workflow', () => fetchRuns(temporal, workflowId, 1));
    res.json({ workflowId, timers: pendingTimers(runs.at(-1) ?? []), activities: await pendingActivities(temporal, workflowId) });
  });

  router.get('/operator/workflows/:workflowId/reconciliation', async (req, res) => {
    const { workflowId } = workflowOf(req);
    res.json(await temporalCall('Workflow', () => reconcileWorkflow(temporal, db, workflowId)));
  });

  router.post('/operator/workflows/:workflowId/retry', async (req, res) => {
    const { actor, workflowId, target } = workflowOf(req);
    const body = parse(RetryBody, req);
    const result = await temporalCall('Workflow', () => retryActivitiesNow(temporal, workflowId, `operator:${actor.id}`, body.activityIds));
    await audit(db, { actor, action: 'operator.retry-now', target, rationale: body.reason, data: result });
    res.json(result);
  });

  router.post('/operator/workflows/:workflowId/terminate', async (req, res) => {
    const { actor, workflowId, target } = workflowOf(req);
    const { reason } = parse(ReasonBody, req);
    await temporalCall('Workflow', () => temporal.workflow.getHandle(workflowId).terminate(`${reason} (operator ${actor.id})`));
    // Nothing runs a terminated visit's timetable any more: the alarm its row promised is withdrawn, by whom the audit says, rather than reported late for ever.
    await db.visit.updateMany({ where: { workflowId }, data: { nextAlarmAt: null } });
    await audit(db, { actor, action: 'operator.terminate', target, rationale: reason });
    res.json({ workflowId, terminated: true });
  });

  router.post('/operator/workflows/:workflowId/resync', async (req, res) => {
    const { actor, workflowId } = workflowOf(req);
    const { reason } = parse(ReasonBody, req);
    res.json(await temporalCall('Workflow', () => resyncWorkflow({ client: temporal, db, recordVisitEvent }, workflowId, actor, reason)));
  });

  router.post('/operator/reconcile', async (req, res) => {
    operator(req);
    const body = parse(ReconcileBody, req);
    const ids = body.workflowIds ?? (await listWorkflows(temporal, visibilityQuery({ kind: body.kind, open: body.open }), body.limit)).map((w) => w.workflowId);
    res.json(await reconcileMany(temporal, db, ids));
  });

  router.get('/operator/audit/verify', async (req, res) => {
    operator(req);
    res.json(await verifyAuditChain(db));
  });

  /** A review panel's document: admins and safeguarding leads, or the team's own manager. */
  async function sendChronology(req: Request, res: Response, load: () => Promise<Chronology | null>, target: { type: string; id: string }) {
    const actor = actorOf(req);
    const chronology = await load();
    if (!chronology) throw notFound('Case');
    ensure(
      actor.role === 'admin' || actor.role === 'safeguarding_lead' || managesTeam(actor, chronology.team),
      'Chronologies are for safeguarding leads, admins and the team manager',
    );
    await audit(db, { actor, action: 'chronology.exported', target });
    res.type('html').send(chronologyHtml(chronology, `${actor.id} (${actor.role})`));
  }

  router.get('/chronology/visits/:visitId', async (req, res) => {
    const { visitId } = parse(VisitChronologyParams, req, 'params');
    await sendChronology(req, res, () => visitChronology(db, visitId), { type: 'visit', id: visitId });
  });

  router.get('/chronology/plans/:planId', async (req, res) => {
    const { planId } = parse(PlanChronologyParams, req, 'params');
    await sendChronology(req, res, () => planChronology(db, planId), { type: 'plan', id: planId });
  });

  return router;
}
