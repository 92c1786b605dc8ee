import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Client, type ScheduleHandle } from '@temporalio/client';
import { yearsBefore } from '../activities/retention';
import { newPayloadKey } from '../lib/codec';
import { dataConverter } from '../lib/data-converter';
import { ensureRetentionSchedule } from '../worker/retention-schedule';
import { as, startApi, type ApiHarness } from './helpers/api';
import { eventually } from './helpers/eventually';
import { planWorkflowId } from '../workflows/plan-contract';

const YEAR_MS = 365.25 * 24 * 3_600_000;

// Schedules exist only on the dev server: this file uses it with a schedule of its own.
describe('Retention: a scheduled review lists records past their period; only a recorded decision disposes (dev server)', () => {
  let api: ApiHarness;
  let schedule: ScheduleHandle;
  const tag = randomUUID().slice(0, 8);
  const oldPlan = randomUUID();
  const oldVisit = randomUUID();
  const recentPlan = randomUUID();
  const operator = () => as(`op-${tag}`, 'operator');

  async function insertPlan(id: string, endedAt: Date) {
    await api.harness.db.plan.create({
      data: {
        id,
        team: `team-${tag}`,
        status: 'ended',
        leadPractitionerId: 'p-1',
        managerId: 'm-1',
        consentBasis: 'given',
        limitedToNecessary: false,
        content: { note: 'personal' },
        createdAt: endedAt,
        endedAt,
      },
    });
  }

  async function runReview(previousRuns: number) {
    await schedule.trigger();
    await eventually(async () => (await schedule.describe()).info.recentActions.length > previousRuns, 30_000);
    const runs = (await schedule.describe()).info.recentActions;
    const last = runs.at(-1)!.action.workflow;
    await api.env.client.workflow.getHandle(last.workflowId, last.firstExecutionRunId).result();
  }

  const reviewOf = (recordId: string) => api.harness.db.retentionReview.findFirst({ where: { recordId } });

  beforeAll(async () => {
    api = await startApi();
    const now = Date.now();
    await insertPlan(oldPlan, new Date(now - 9 * YEAR_MS));
    await insertPlan(recentPlan, new Date(now - 2 * YEAR_MS));
    await api.harness.db.visit.create({
      data: {
        id: oldVisit,
        workflowId: `visit-${oldVisit}`,
        workerId: 'w-1',
        team: `team-${tag}`,
        managerId: 'm-1',
        kind: 'home',
        riskLevel: 'low',
        clientRef: 'C-1',
        status: 'closed',
        eta: new Date(now - 7 * YEAR_MS),
        closedAt: new Date(now - 7 * YEAR_MS),
      },
    });
    await api.harness.db.visitEvent.create({ data: { visitId: oldVisit, seq: 1, type: 'visit-started', actorId: 'w-1', actorRole: 'worker', at: new Date(now - 7 * YEAR_MS) } });
    schedule = await ensureRetentionSchedule(api.env.client, {
      scheduleId: `retention-test-${tag}`,
      taskQueue: api.harness.taskQueue,
      // Yearly: the test triggers it; the cron never fires while it runs.
      cron: '0 0 1 1 *',
      policy: { planYears: 8, visitYears: 6 },
    });
  });
  afterAll(async () => {
    await schedule?.delete();
    await api?.close();
  });

  it('When the schedule is created twice, then it is the same schedule, brought up to date', async () => {
    const again = await ensureRetentionSchedule(api.env.client, {
      scheduleId: schedule.scheduleId,
      taskQueue: api.harness.taskQueue,
      cron: '0 0 2 1 *',
      policy: { planYears: 8, visitYears: 6 },
    });
    expect(again.scheduleId).toBe(schedule.scheduleId);
    expect((await schedule.describe()).spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 2, end: 2, step: 1 }] });
  });

  it('When the schedule was written under a payload key this worker does not hold, then it is written anew, not left to stop the worker (issue 15 hole 5)', async () => {
    const theirs = new Client({
      connection: api.env.client.connection,
      namespace: api.env.client.options.namespace,
      dataConverter: dataConverter({ PAYLOAD_KEYS: newPayloadKey('another-stack'), PAYLOAD_ACTIVE_KEY_ID: 'another-stack' }),
    });
    const options = { scheduleId: `retention-foreign-${tag}`, taskQueue: api.harness.taskQueue, cron: '0 0 1 1 *', policy: { planYears: 8, visitYears: 6 } };
    const foreign = await ensureRetentionSchedule(theirs, options);
    try {
      await expect(api.env.client.schedule.getHandle(foreign.scheduleId).describe()).rejects.toThrow(/not configured/);
      const ours = await ensureRetentionSchedule(api.env.client, { ...options, cron: '0 0 3 1 *' });
      expect((await ours.describe()).spec.calendars?.[0]).toMatchObject({ dayOfMonth: [{ start: 3, end: 3, step: 1 }] });
    } finally {
      await api.env.client.schedule.getHandle(options.scheduleId).delete();
    }
  });

  it('When the review runs, then records past their period are listed and nothing is deleted; a decision is needed first', async () => {
    await runReview(0);
    expect(await reviewOf(oldPlan)).toMatchObject({ recordType: 'plan', status: 'awaiting_decision' });
    expect(await reviewOf(oldVisit)).toMatchObject({ recordType: 'visit', status: 'awaiting_decision' });
    expect(await reviewOf(recentPlan)).toBeNull();
    expect(await api.harness.db.plan.count({ where: { id: { in: [oldPlan, recentPlan] } } })).toBe(2);
    expect(await api.harness.db.visit.count({ where: { id: oldVisit } })).toBe(1);
    const run = await api.harness.db.retentionRun.findFirst({ orderBy: { ranAt: 'desc' }, where: { policy: { equals: { planYears: 8, visitYears: 6 } } } });
    expect(run?.listed).toBeGreaterThanOrEqual(2);

    const listed = await request(api.app)
      .get('/retention/reviews')
      .set(await operator())
      .expect(200);
    expect(listed.body.items.map((i: { recordId: string }) => i.recordId)).toEqual(expect.arrayContaining([oldPlan, oldVisit]));

    // A second run lists nothing twice and still deletes nothing.
    await runReview(1);
    expect(await api.harness.db.retentionReview.count({ where: { recordId: { in: [oldPlan, oldVisit] } } })).toBe(2);
    expect(await api.harness.db.plan.count({ where: { id: oldPlan } })).toBe(1);
  });

  it('When a decision is recorded, then only "dispose" deletes, at the next run, and the review keeps who decided and why', async () => {
    const planReview = (await reviewOf(oldPlan))!;
    const visitReview = (await reviewOf(oldVisit))!;
    const url = (id: string) => `/retention/reviews/${id}/decision`;

    await request(api.app)
      .post(url(planReview.id))
      .set(await as(`m-${tag}`, 'manager', `team-${tag}`))
      .send({ decision: 'dispose', rationale: 'Past its period' })
      .expect(403);
    const bad = await request(api.app)
      .post(url(planReview.id))
      .set(await operator())
      .send({ decision: 'retain', rationale: 'short' })
      .expect(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['rationale', 'retainUntil']);
    await request(api.app)
      .post(url(randomUUID()))
      .set(await operator())
      .send({ decision: 'dispose', rationale: 'Past its period and no open matter' })
      .expect(404);

    await request(api.app)
      .post(url(planReview.id))
      .set(await operator())
      .send({ decision: 'dispose', rationale: 'Past its period and no open matter' })
      .expect(200);
    await request(api.app)
      .post(url(planReview.id))
      .set(await operator())
      .send({ decision: 'retain', rationale: 'Changed my mind', retainUntil: '2099-01-01' })
      .expect(409);
    const retainUntil = toDate(Date.now() + 2 * YEAR_MS);
    await request(api.app)
      .post(url(visitReview.id))
      .set(await operator())
      .send({ decision: 'retain', rationale: 'Subject of an open claim', retainUntil })
      .expect(200);
    // Decided, not yet disposed: the record is still there until the review runs.
    expect(await api.harness.db.plan.count({ where: { id: oldPlan } })).toBe(1);
    const answered = { id: randomUUID(), workflowId: planWorkflowId(oldPlan), name: 'recordReview', status: 'done', result: { status: 'live' } };
    await api.harness.db.workflowRequest.create({ data: answered });

    await runReview(2);
    expect(await api.harness.db.plan.count({ where: { id: oldPlan } })).toBe(0);
    expect(await api.harness.db.workflowRequest.count({ where: { id: answered.id } })).toBe(0);
    expect(await api.harness.db.visit.count({ where: { id: oldVisit } })).toBe(1);
    expect(await reviewOf(oldPlan)).toMatchObject({ status: 'disposed', decidedById: `op-${tag}`, rationale: 'Past its period and no open matter', disposedAt: expect.any(Date) });
    expect(await reviewOf(oldVisit)).toMatchObject({ status: 'retain', retainUntil: new Date(retainUntil) });
    const entries = await api.harness.db.auditEntry.findMany({ where: { targetId: oldPlan, action: { startsWith: 'retention.' } }, orderBy: { seq: 'asc' } });
    expect(entries.map((e) => e.action)).toEqual(['retention.dispose', 'retention.disposed']);
  });

  it('When the cut-off is computed, then it is whole calendar years back', () => {
    expect(yearsBefore(new Date('2026-03-01T00:00:00Z'), 8).toISOString()).toBe('2018-03-01T00:00:00.000Z');
  });
});

const toDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
