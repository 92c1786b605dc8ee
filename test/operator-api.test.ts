import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { planWorkflowId } from '../workflows/plan-contract';
import { visitWorkflowId } from '../workflows/visit-contract';
import { as, startApi, type ApiHarness } from './helpers/api';
import { eventually } from './helpers/eventually';
import { livePlanThroughApi } from './helpers/plans';
import { eventsOf, MIN } from './helpers/visits';

describe('The operator API (Temporal dev server with a worker, PostgreSQL)', () => {
  let api: ApiHarness;
  let app: Express;
  /** One team per run, so lists and counts see only this file's visits. */
  const team = `ops-${randomUUID().slice(0, 8)}`;
  const operator = () => as(`operator-${team}`, 'operator');

  beforeAll(async () => {
    api = await startApi();
    app = api.app;
  });
  afterAll(() => api?.close());

  /** A visit started through the API by its worker, who belongs to this file's team. */
  async function startVisit(visitId: string = randomUUID()) {
    const tag = visitId.slice(0, 8);
    const worker = await as(`worker-${tag}`, 'worker', team);
    await as(`manager-${tag}`, 'manager', team);
    const contact = (who: string) => ({ name: `${who} ${tag}`, email: `${who}-${tag}@example.org` });
    await request(app)
      .post('/visits')
      .set(worker)
      .send({
        visitId,
        kind: 'home',
        riskLevel: 'medium',
        clientRef: `C-${tag}`,
        location: '3 Mill Lane, York YO1 7HH',
        eta: new Date(Date.now() + 90 * MIN).toISOString(),
        buddy: contact('buddy'),
        manager: { id: `manager-${tag}` },
      })
      .expect(201);
    return { visitId, workflowId: visitWorkflowId(visitId), worker };
  }

  const auditOf = (targetId: string, action: string) => api.harness.db.auditEntry.findMany({ where: { targetId, action } });

  it('When a red flag is raised, then operators list and count it among escalating visits, read its timeline, timers and raw history', async () => {
    const { visitId, workflowId, worker } = await startVisit();
    await request(app).post(`/visits/${visitId}/red-flag`).set(worker).send({ reason: 'Raised voices in the next room' }).expect(202);

    const op = await operator();
    const listed = await eventually(async () => {
      const res = await request(app).get(`/operator/workflows?view=escalating-visits&team=${team}`).set(op).expect(200);
      return res.body.workflows.length === 1 && res.body;
    }, 20_000);
    expect(listed.query).toContain("CareStatus = 'escalating'");
    expect(listed.workflows[0]).toMatchObject({ workflowId, kind: 'visit', status: 'escalating', team, executionStatus: 'RUNNING' });
    const counted = await request(app).get(`/operator/workflows/count?view=escalating-visits&team=${team}`).set(op).expect(200);
    expect(counted.body.count).toBe(1);

    const timeline = await request(app).get(`/operator/workflows/${workflowId}/timeline`).set(op).expect(200);
    const meanings = timeline.body.timeline.map((e: { meaning: string }) => e.meaning);
    expect(meanings[0]).toBe('the visit was started');
    expect(meanings).toContain('a red flag was raised');
    expect(meanings).toContain('the service set out to record "red-flag-raised" (by worker) in the visit\'s record');
    expect(meanings).toContain('the service set out to send the "visit-red-flag" message');
    expect(meanings.join('\n')).not.toMatch(/Mill Lane|Wendy|example\.org/);

    const pending = await request(app).get(`/operator/workflows/${workflowId}/pending`).set(op).expect(200);
    expect(pending.body.timers.length).toBeGreaterThan(0);
    for (const t of pending.body.timers) expect(Date.parse(t.firesAt)).toBeGreaterThan(Date.parse(t.startedAt));

    const raw = await request(app).get(`/operator/workflows/${workflowId}/history`).set(op).expect(200);
    const exported = JSON.parse(raw.text);
    expect(exported.runs[0].events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    expect(raw.headers['content-disposition']).toContain(`${workflowId}-history.json`);
    expect(await auditOf(workflowId, 'operator.history-exported')).toHaveLength(1);

    // The decision, the messages it sent and a manager's read of the incident are in the audit trail.
    await eventually(async () => (await auditOf(visitId, 'notification.sent')).length >= 2);
    expect(await auditOf(visitId, 'visit.red-flag-raised')).toMatchObject([{ actorRole: 'worker', rationale: 'Raised voices in the next room', data: { status: 'escalating' } }]);
    await request(app)
      .get(`/visits/${visitId}`)
      .set(await as(`mgr-${team}`, 'manager', team))
      .expect(200);
    expect(await auditOf(visitId, 'incident.read')).toMatchObject([{ actorId: `mgr-${team}`, actorRole: 'manager' }]);

    await request(app).get(`/operator/workflows?view=escalating-visits`).set(worker).expect(403);
    const bad = await request(app).get('/operator/workflows?team=a%27b&limit=0').set(op).expect(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['limit', 'team']);
  });

  it('When the mail relay is down, then the visit is listed as failing with its last error, and "retry now" sends before the backoff ends', async () => {
    const { visitId, workflowId, worker } = await startVisit();
    const op = await operator();
    api.harness.smtp.setDown(true);
    try {
      await request(app).post(`/visits/${visitId}/red-flag`).set(worker).send({ reason: 'Threatened at the door' }).expect(202);
      const failing = await eventually(async () => {
        const res = await request(app).get(`/operator/workflows/failing?team=${team}&minAttempts=4`).set(op).expect(200);
        return res.body.workflows.find((w: { workflowId: string }) => w.workflowId === workflowId);
      }, 30_000);
      expect(failing.activities[0]).toMatchObject({ activityType: 'notifyVisitContact', lastError: expect.stringMatching(/Relay unavailable/) });
      expect(failing.activities[0].attempt).toBeGreaterThanOrEqual(4);
    } finally {
      api.harness.smtp.setDown(false);
    }
    // Caught between attempts: every send is waiting out a backoff of some seconds yet.
    const before = await eventually(async () => {
      const res = await request(app).get(`/operator/workflows/${workflowId}/pending`).set(op).expect(200);
      const next = res.body.activities.map((a: { nextAttemptAt: string | null }) => (a.nextAttemptAt ? Date.parse(a.nextAttemptAt) : 0));
      return next.length && Math.min(...next) > Date.now() + 3000 && { activities: res.body.activities, nextAttemptAt: Math.min(...next) };
    }, 30_000);
    const { nextAttemptAt } = before;
    await request(app).post(`/operator/workflows/${workflowId}/retry`).set(op).send({}).expect(400);
    const retried = await request(app).post(`/operator/workflows/${workflowId}/retry`).set(op).send({ reason: 'Mail relay is back up' }).expect(200);
    expect(retried.body.retried.length).toBe(before.activities.length);
    await api.harness.smtp.waitFor(2, (m) => m.to.some((to) => to.includes(visitId.slice(0, 8))), 10_000);
    expect(Date.now()).toBeLessThan(nextAttemptAt);
    expect(await auditOf(workflowId, 'operator.retry-now')).toMatchObject([{ actorRole: 'operator', rationale: 'Mail relay is back up' }]);
  });

  it('When an event row is deleted and the status changed behind the workflow, then reconciliation reports both and a re-sync repairs them, audited', async () => {
    const { visitId, workflowId, worker } = await startVisit();
    await request(app).post(`/visits/${visitId}/check-in`).set(worker).send({}).expect(202);
    await eventsOf(api.harness.db, visitId, (t) => t.includes('checked-in'));
    const op = await operator();
    const clean = await eventually(async () => {
      const res = await request(app).get(`/operator/workflows/${workflowId}/reconciliation`).set(op).expect(200);
      return res.body.inFlight === 0 && res.body;
    });
    expect(clean.differences).toEqual([]);

    await api.harness.db.visitEvent.deleteMany({ where: { visitId, type: 'checked-in' } });
    await api.harness.db.visit.update({ where: { id: visitId }, data: { status: 'closed' } });
    const found = await request(app).get(`/operator/workflows/${workflowId}/reconciliation`).set(op).expect(200);
    expect(found.body.differences).toEqual(
      expect.arrayContaining([
        { problem: 'event-missing', detail: 'history recorded 2; the database has no such event' },
        { problem: 'field-differs', detail: 'status: the record says "closed", the workflow "open"' },
      ]),
    );
    const many = await request(app)
      .post('/operator/reconcile')
      .set(op)
      .send({ workflowIds: [workflowId] })
      .expect(200);
    expect(many.body).toMatchObject({ checked: 1, differing: 1 });

    const resynced = await request(app).post(`/operator/workflows/${workflowId}/resync`).set(op).send({ reason: 'Record edited by hand during an incident review' }).expect(200);
    expect(resynced.body.after.differences).toEqual([]);
    expect(await api.harness.db.visit.findUnique({ where: { id: visitId } })).toMatchObject({ status: 'open' });
    // Restored whole from the input its record activity holds in history, the worker's view included
    // (only visits recorded in the workflow's own task, before 'visit-records-after-commit', fall back to the audit entry).
    expect(await api.harness.db.visitEvent.findMany({ where: { visitId, type: 'checked-in' } })).toMatchObject([{ seq: 2, actorRole: 'worker', visibleToWorker: true }]);
    expect(await auditOf(visitId, 'operator.resync')).toMatchObject([
      { rationale: 'Record edited by hand during an incident review', data: { repaired: expect.arrayContaining(['event-missing', 'field-differs']) } },
    ]);

    const lead = await as(`lead-${team}`, 'safeguarding_lead');
    const doc = await request(app).get(`/chronology/visits/${visitId}`).set(lead).expect(200);
    expect(doc.headers['content-type']).toContain('text/html');
    expect(doc.text).toContain(`Chronology of visit ${visitId}`);
    expect(doc.text).toMatch(/checked in[\s\S]*operator resync/);
    expect(doc.text).toContain('Record edited by hand during an incident review');
    expect(await auditOf(visitId, 'chronology.exported')).toHaveLength(1);
    await request(app).get(`/chronology/visits/${visitId}`).set(worker).expect(403);
  });

  it("When a plan's status is changed behind its workflow, then reconciliation reports it, a re-sync restores it, and its chronology is a document for a review", async () => {
    const practitioner = await as(`prac-${team}`, 'practitioner', team);
    const manager = await as(`mgr-${team}`, 'manager', team);
    const planId = await livePlanThroughApi(app, practitioner, manager);
    const workflowId = planWorkflowId(planId);
    const op = await operator();
    await eventually(async () => {
      const res = await request(app).get(`/operator/workflows/${workflowId}/reconciliation`).set(op).expect(200);
      return res.body.inFlight === 0 && (await api.harness.db.plan.findUnique({ where: { id: planId } }))?.status === 'live' && res.body.differences.length === 0;
    });

    await api.harness.db.plan.update({ where: { id: planId }, data: { status: 'draft' } });
    const found = await request(app).get(`/operator/workflows/${workflowId}/reconciliation`).set(op).expect(200);
    expect(found.body.differences).toEqual([{ problem: 'field-differs', detail: 'status: the record says "draft", the workflow "live"' }]);
    const resynced = await request(app).post(`/operator/workflows/${workflowId}/resync`).set(op).send({ reason: 'Status edited by hand in the database' }).expect(200);
    expect(resynced.body.after.differences).toEqual([]);
    expect(await api.harness.db.planDecision.findMany({ where: { planId, kind: 'operator' } })).toMatchObject([
      { decision: 'resync', rationale: 'Status edited by hand in the database', actorRole: 'operator' },
    ]);

    await request(app).get(`/plans/${planId}`).set(manager).expect(200);
    const doc = await request(app)
      .get(`/chronology/plans/${planId}`)
      .set(await as(`lead-${team}`, 'safeguarding_lead'))
      .expect(200);
    expect(doc.text).toContain(`Chronology of safeguarding plan ${planId}`);
    expect(doc.text).toMatch(/plan read[\s\S]*mgr-/);
    expect(doc.text).toContain('Status edited by hand in the database');
    await request(app)
      .get(`/chronology/plans/${planId}`)
      .set(await as(`mgr-other-${team}`, 'manager', `${team}-other`))
      .expect(403);
  });

  it('When an operator terminates a visit with a reason, then it stops, the reason is in history and the audit trail, and its row owes no alarm; without a reason it is refused', async () => {
    const { workflowId } = await startVisit();
    const alarmOnRow = async () => (await api.harness.db.visit.findUniqueOrThrow({ where: { workflowId } })).nextAlarmAt;
    expect(await alarmOnRow()).toBeInstanceOf(Date);
    const op = await operator();
    const refused = await request(app).post(`/operator/workflows/${workflowId}/terminate`).set(op).send({ reason: '' }).expect(400);
    expect(refused.body.error.details[0].field).toBe('reason');
    await request(app).post(`/operator/workflows/${workflowId}/terminate`).set(op).send({ reason: 'Duplicate visit started by mistake' }).expect(200);
    const described = await api.env.client.workflow.getHandle(workflowId).describe();
    expect(described.status.name).toBe('TERMINATED');
    const timeline = await request(app).get(`/operator/workflows/${workflowId}/timeline`).set(op).expect(200);
    expect(timeline.body.timeline.at(-1).meaning).toMatch(/^terminated by an operator: Duplicate visit started by mistake/);
    expect(await auditOf(workflowId, 'operator.terminate')).toMatchObject([{ actorId: `operator-${team}`, rationale: 'Duplicate visit started by mistake' }]);
    // Nothing will send it: reported late for ever, it would hide the alarms that are late.
    expect(await alarmOnRow()).toBeNull();
    await request(app).post('/operator/workflows/visit-unknown-id/terminate').set(op).send({ reason: 'No such visit here' }).expect(404);
  });

  it('When the audit chain is verified through the API, then it is whole; operators only', async () => {
    const res = await request(app)
      .get('/operator/audit/verify')
      .set(await operator())
      .expect(200);
    expect(res.body).toMatchObject({ ok: true });
    expect(res.body.entries).toBeGreaterThan(0);
    await request(app)
      .get('/operator/audit/verify')
      .set(await as(`mgr-${team}`, 'manager', team))
      .expect(403);
  });
});
