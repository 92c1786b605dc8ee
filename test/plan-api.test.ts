import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { SA } from '../config/search-attributes';
import { planWorkflowId } from '../workflows/plan-contract';
import { addDays, toDateString } from '../workflows/working-days';
import { as, startApi, type ApiHarness } from './helpers/api';
import { eventually } from './helpers/eventually';
import { contacts, DAY_MS, planContent, review, supervisedContact } from './helpers/plans';

describe('The plans API (Temporal dev server, PostgreSQL, SMTP)', () => {
  let api: ApiHarness;
  // A team of its own, so lists and reports see only this file's plans.
  const team = `team-${randomUUID().slice(0, 8)}`;
  // The lead practitioner acts by id (only the lead may record reviews): an id of this file's own.
  const leadId = `prac-${team}`;
  const practitioner = () => as(leadId, 'practitioner', team);
  const manager = () => as('mgr-1', 'manager', team);
  /** The items of one of the manager's lists. */
  const listed = async <T>(list: string): Promise<T[]> =>
    (
      await request(api.app)
        .get(`/plan-lists/${list}`)
        .set(await manager())
        .expect(200)
    ).body.items;
  const today = () => toDateString(Date.now());

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  const planBody = (overrides: Record<string, unknown> = {}) => ({
    content: planContent(),
    consent: { basis: 'given', capacityConfirmed: true },
    contacts: { ...contacts, leadPractitioner: { ...contacts.leadPractitioner, id: leadId } },
    firstReviewDate: addDays(today(), 30),
    benefitRationale: 'On-going risk of financial abuse; the adult wants a plan',
    ...overrides,
  });

  async function livePlan(overrides: Record<string, unknown> = {}, by = { practitioner, manager }): Promise<string> {
    const created = await request(api.app)
      .post('/plans')
      .set(await by.practitioner())
      .send(planBody(overrides))
      .expect(201);
    await request(api.app)
      .post(`/plans/${created.body.planId}/go-live`)
      .set(await by.manager())
      .expect(200);
    return created.body.planId;
  }

  it('When a practitioner records a plan and the manager puts it live, then the plan reads back with its timeline and search attributes', async () => {
    const created = await request(api.app)
      .post('/plans')
      .set(await practitioner())
      .send(planBody())
      .expect(201);
    expect(created.headers.location).toBe(`/plans/${created.body.planId}`);
    const live = await request(api.app)
      .post(`/plans/${created.body.planId}/go-live`)
      .set(await manager())
      .expect(200);
    expect(live.body).toEqual({ status: 'live', nextReviewDate: addDays(today(), 30), reviewNumber: 1 });

    const plan = await eventually(async () => {
      const res = await request(api.app)
        .get(`/plans/${created.body.planId}`)
        .set(await manager())
        .expect(200);
      return res.body.timeline.length >= 2 && res.body;
    });
    expect(plan.state).toMatchObject({ status: 'live', limitedToNecessaryMeasures: false, team });
    expect(plan.timeline.map((e: { type: string }) => e.type)).toEqual(['created', 'went_live']);
    expect(plan.decisions[0]).toMatchObject({ kind: 'plan_benefit', actorId: leadId, rationale: expect.stringContaining('financial abuse') });

    const described = await api.env.client.workflow.getHandle(planWorkflowId(created.body.planId)).describe();
    expect(described.typedSearchAttributes.get(SA.kind)).toBe('plan');
    expect(described.typedSearchAttributes.get(SA.status)).toBe('live');
    expect(described.typedSearchAttributes.get(SA.team)).toBe(team);
  });

  it('When the same plan id is recorded twice, then the second is refused with 409', async () => {
    const planId = randomUUID();
    await request(api.app)
      .post('/plans')
      .set(await practitioner())
      .send(planBody({ planId }))
      .expect(201);
    const again = await request(api.app)
      .post('/plans')
      .set(await practitioner())
      .send(planBody({ planId }))
      .expect(409);
    expect(again.body.error.message).toContain('already exists');
  });

  it('When the input is wrong, then 400 names each field; a review date before today is one of them', async () => {
    const res = await request(api.app)
      .post('/plans')
      .set(await practitioner())
      .send(
        planBody({
          firstReviewDate: addDays(today(), -1),
          consent: { basis: 'lacks_capacity_best_interests', bestInterestsRationale: 'x' },
          content: { ...planContent(), risks: [] },
        }),
      )
      .expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['consent.capacityAssessmentRef', 'content.risks', 'firstReviewDate']);
  });

  it('When nobody or another team acts, then 401 and 403', async () => {
    const planId = await livePlan();
    await request(api.app).get(`/plans/${planId}`).expect(401);
    await request(api.app)
      .get(`/plans/${planId}`)
      .set(await as('mgr-9', 'manager', 'elsewhere'))
      .expect(403);
    await request(api.app)
      .get(`/plans/${randomUUID()}`)
      .set(await manager())
      .expect(404);
  });

  it('When a plan with a restrictive measure lacking legal advice is put live, then 409 says why; after the advice it goes live', async () => {
    const created = await request(api.app)
      .post('/plans')
      .set(await practitioner())
      .send(planBody({ content: planContent({ measures: [...planContent().measures, supervisedContact] }) }))
      .expect(201);
    const refused = await request(api.app)
      .post(`/plans/${created.body.planId}/go-live`)
      .set(await manager())
      .expect(409);
    expect(refused.body.error.message).toContain('needs recorded legal advice');
    await request(api.app)
      .post(`/plans/${created.body.planId}/measures/m3/legal-advice`)
      .set(await practitioner())
      .send({ reference: 'LEGAL-77', summary: 'Proportionate for 3 months', advisedOn: today() })
      .expect(200);
    await request(api.app)
      .post(`/plans/${created.body.planId}/go-live`)
      .set(await manager())
      .expect(200);
  });

  it('When reviews are recorded, then the outcome moves the date; ending on a ground lacking its evidence or by a practitioner is refused', async () => {
    const planId = await livePlan();
    const recorded = await request(api.app)
      .post(`/plans/${planId}/reviews`)
      .set(await practitioner())
      .send(review('continue_further_enquiries', today()))
      .expect(200);
    expect(recorded.body).toEqual({ status: 'live', nextReviewDate: addDays(today(), 60), reviewNumber: 2 });

    const ending = review('end', today()).ending!;
    const byPractitioner = await request(api.app)
      .post(`/plans/${planId}/end`)
      .set(await practitioner())
      .send(ending)
      .expect(403);
    expect(byPractitioner.body.error.code).toBe('forbidden');
    const noCarePlan = await request(api.app)
      .post(`/plans/${planId}/end`)
      .set(await manager())
      .send({ ...ending, ground: 'managed_through_other_means', risk: 'reduced' })
      .expect(409);
    expect(noCarePlan.body.error.message).toContain('care and support plan');
    await request(api.app)
      .post(`/plans/${planId}/end`)
      .set(await manager())
      .send({ ...ending, ground: 'not_a_ground' })
      .expect(400);
    await request(api.app)
      .post(`/plans/${planId}/end`)
      .set(await manager())
      .send({ ...ending, ground: 'managed_through_other_means', carePlanRef: 'CSP-1', risk: 'reduced' })
      .expect(200);
    const afterEnd = await request(api.app)
      .post(`/plans/${planId}/reviews`)
      .set(await practitioner())
      .send(review('continue_unchanged', today()));
    expect(afterEnd.status).toBe(409);
  });

  it('When the manager moves the review, then the date moves; a practitioner may not; actions are completed with a note', async () => {
    const planId = await livePlan();
    const moved = await request(api.app)
      .post(`/plans/${planId}/review-date`)
      .set(await manager())
      .send({ newDate: addDays(today(), 45), rationale: 'Advocate away until then' })
      .expect(200);
    expect(moved.body.nextReviewDate).toBe(addDays(today(), 45));
    const refused = await request(api.app)
      .post(`/plans/${planId}/review-date`)
      .set(await practitioner())
      .send({ newDate: addDays(today(), 50), rationale: 'x' })
      .expect(403);
    expect(refused.body.error.code).toBe('forbidden');
    await request(api.app)
      .post(`/plans/${planId}/actions/a1/complete`)
      .set(await practitioner())
      .send({ note: 'Met the bank on Tuesday' })
      .expect(200);
    await request(api.app)
      .post(`/plans/${planId}/actions/a1/complete`)
      .set(await practitioner())
      .send({ note: 'again' })
      .expect(409);
    const plan = await eventually(async () => {
      const res = await request(api.app)
        .get(`/plans/${planId}`)
        .set(await practitioner())
        .expect(200);
      return res.body.timeline.some((e: { type: string }) => e.type === 'action_completed') && res.body;
    });
    expect(plan.decisions.find((d: { kind: string }) => d.kind === 'reschedule_review')).toMatchObject({ actorId: 'mgr-1', rationale: 'Advocate away until then' });
  });

  it('When an unscheduled review is requested, then it is on the manager list until decided', async () => {
    const planId = await livePlan();
    const requested = await request(api.app)
      .post(`/plans/${planId}/unscheduled-reviews`)
      .set(await practitioner())
      .send({ onBehalfOfAdult: true, reasons: ['adult_unhappy'], evidence: 'She says the plan makes her feel watched' })
      .expect(201);
    const awaiting = await eventually(async () => (await listed<{ id: string }>('unscheduled-awaiting-decision')).find((i) => i.id === requested.body.id));
    expect(awaiting).toMatchObject({ planId, reasons: ['adult_unhappy'], onBehalfOfAdult: true });
    await request(api.app)
      .post(`/plans/${planId}/unscheduled-reviews/${requested.body.id}/decision`)
      .set(await manager())
      .send({ decision: 'arrange_review', reviewDate: addDays(today(), 3), rationale: 'Her unhappiness is evidence enough', adultViews: 'Wants to talk about it soon' })
      .expect(200);
    const due = await eventually(async () => (await listed<{ id: string; nextReviewDate: string }>('reviews-due-this-week')).find((i) => i.id === planId));
    expect(due.nextReviewDate).toBe(addDays(today(), 3));
    const left = await listed<{ id: string }>('unscheduled-awaiting-decision');
    expect(left.map((i) => i.id)).not.toContain(requested.body.id);
  });

  it('When restrictive measures and overdue reviews exist, then the manager lists show them by review date', async () => {
    const planId = await livePlan({ content: planContent({ measures: [{ ...supervisedContact, legalAdvice: { reference: 'L-2', summary: 'ok', advisedOn: today() } }] }) });
    const restrictive = await eventually(async () => (await listed<{ planId: string }>('restrictive-measures')).find((i) => i.planId === planId));
    expect(restrictive).toMatchObject({ id: 'm3', type: 'supervise_contact', legalAdviceRef: 'L-2', reviewDate: addDays(today(), 30) });
    // Overdue needs a date in the past, which the API rightly refuses: age the record instead.
    await api.harness.db.plan.update({ where: { id: planId }, data: { nextReviewDate: toDateString(Date.now() - 2 * DAY_MS) } });
    const overdue = await listed<{ id: string }>('overdue-reviews');
    expect(overdue.map((i) => i.id)).toContain(planId);
    await request(api.app)
      .get('/plan-lists/overdue-reviews')
      .set(await practitioner())
      .expect(403);
  });

  it('When copies are decided, then each is recorded; the adult’s copy is in their format without omitted items; the alleged person gets none unagreed', async () => {
    const planId = await livePlan({ content: planContent({ adult: { ...planContent().adult, preferredFormat: 'large_print', language: 'Polish' } }) });
    const adult = await request(api.app)
      .post(`/plans/${planId}/copies`)
      .set(await manager())
      .send({ recipient: { kind: 'adult' }, manager: { wouldRaiseRisk: true, omitItemIds: ['m2'], rationale: 'The nephew reads her post' } })
      .expect(201);
    expect(adult.body.decision).toMatchObject({ outcome: 'partial', omittedItemIds: ['m2'] });
    const html = await request(api.app)
      .get(adult.body.document)
      .set(await practitioner())
      .expect(200)
      .expect('content-type', /html/);
    expect(html.text).toContain('font-size:28px');
    expect(html.text).toContain('Polish');
    expect(html.text).toContain('Bank sets up a third-party mandate check');
    expect(html.text).not.toContain('Urgent review of the care and support plan');

    const alleged = await request(api.app)
      .post(`/plans/${planId}/copies`)
      .set(await manager())
      .send({
        recipient: { kind: 'alleged_person', name: 'Nephew' },
        adultRequested: true,
        allegedPerson: { adultExpresslyRequested: true, managerAgreed: false, policeInvestigating: false },
      })
      .expect(201);
    expect(alleged.body).toMatchObject({ decision: { outcome: 'refused' }, document: null });
    await request(api.app)
      .post(`/plans/${planId}/copies`)
      .set(await practitioner())
      .send({ recipient: { kind: 'adult' } })
      .expect(403);

    const plan = await request(api.app)
      .get(`/plans/${planId}`)
      .set(await manager())
      .expect(200);
    expect(plan.body.copies.map((c: { recipientKind: string; outcome: string }) => [c.recipientKind, c.outcome])).toEqual([
      ['adult', 'partial'],
      ['alleged_person', 'refused'],
    ]);
  });

  it('When plans end, then the outcome report counts them with small numbers suppressed', async () => {
    const reportTeam = `team-${randomUUID().slice(0, 8)}`;
    const reportManager = () => as('mgr-2', 'manager', reportTeam);
    const planId = await livePlan({}, { practitioner: () => as('prac-2', 'practitioner', reportTeam), manager: reportManager });
    await request(api.app)
      .post(`/plans/${planId}/end`)
      .set(await reportManager())
      .send(review('end', today()).ending!)
      .expect(200);
    await eventually(() => api.harness.db.plan.findFirst({ where: { id: planId, status: 'ended' } }));
    const report = await request(api.app)
      .get('/reports/plan-outcomes')
      .query({ from: today(), to: today() })
      .set(await reportManager())
      .expect(200);
    expect(report.body).toMatchObject({
      plansEnded: '<5',
      outcomesExpressed: { yes: '<5', no: 0 },
      outcomesAchieved: { fully: '<5', partially: 0, not: 0 },
      risk: { removed: '<5', reduced: 0, remains: 0 },
      endingGround: { risks_no_longer_exist: '<5' },
    });
    await request(api.app)
      .get('/reports/plan-outcomes')
      .query({ from: 'yesterday', to: today() })
      .set(await reportManager())
      .expect(400);
  });

  it('When the OpenAPI document is read, then the plan endpoints are in it', async () => {
    const doc = await request(api.app).get('/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/plans', '/plans/{planId}/reviews', '/plans/{planId}/copies', '/plan-lists/{list}', '/reports/plan-outcomes']),
    );
  });
});
