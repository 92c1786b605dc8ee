import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { WITHOUT_CONSENT_GROUNDS } from '../domain/msp/without-consent';
import { addDays, toDateString } from '../workflows/working-days';
import { as, startApi, type ApiHarness } from './helpers/api';
import { eventually } from './helpers/eventually';
import { planContent } from './helpers/plans';

describe('The Making Safeguarding Personal API (Temporal dev server, PostgreSQL, SMTP)', () => {
  let api: ApiHarness;
  const tag = randomUUID().slice(0, 8);
  const team = `team-${tag}`;
  const practitioner = () => as(`prac-${tag}`, 'practitioner', team);
  const manager = () => as(`mgr-${tag}`, 'manager', team);
  const deputy = () => as(`deputy-${tag}`, 'practitioner', team);
  const lead = () => as(`sg-${tag}`, 'safeguarding_lead');
  const contacts = {
    leadPractitioner: { id: `prac-${tag}`, email: `lead-${tag}@example.org` },
    manager: { id: `mgr-${tag}`, email: `manager-${tag}@example.org` },
    safeguardingLead: { id: `sg-${tag}`, email: `sg-${tag}@example.org` },
  };

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  async function declinedCase(): Promise<string> {
    const created = await request(api.app)
      .post('/declined-support')
      .set(await practitioner())
      .send({
        leadPractitioner: contacts.leadPractitioner,
        refusal: {
          declined: 'Support to move away from her partner',
          optionsExplained: 'Refuge; a plan with the police; advocacy',
          implicationsExplained: 'The assaults may continue',
          coercionConsidered: true,
          coercionNotes: 'Seen alone; she is frightened of him',
          adultViews: 'Loves him and wants to stay',
        },
        policy: { followUpEveryDays: 14, followUpCount: 4 },
      })
      .expect(201);
    const { caseId } = created.body;
    await eventually(() => api.harness.db.declinedSupport.findUnique({ where: { id: caseId } }));
    return caseId;
  }

  const action = (caseId: string, overrides: Record<string, unknown> = {}) => ({
    subject: { type: 'declined_support', id: caseId },
    action: 'Shared the concern with the police',
    ground: 'others_at_risk',
    rationale: 'Her grandchildren stay at the house at weekends',
    adultTold: true,
    adultToldAt: new Date().toISOString(),
    crimeAlleged: false,
    ...overrides,
  });

  it('When support is declined, then the case is open with follow-ups scheduled, and a contact and a conversion are recorded through the API', async () => {
    const caseId = await declinedCase();
    const read = await request(api.app)
      .get(`/declined-support/${caseId}`)
      .set(await practitioner())
      .expect(200);
    expect(read.body.state).toMatchObject({ status: 'open', followUpsSent: 0, policy: { followUpEveryDays: 14, followUpCount: 4 } });
    expect(Date.parse(read.body.state.nextFollowUpAt) - Date.parse(read.body.state.createdAt)).toBe(14 * 24 * 60 * 60 * 1000);
    await request(api.app)
      .post(`/declined-support/${caseId}/contacts`)
      .set(await practitioner())
      .send({ outcome: 'maybe', note: 'x' })
      .expect(400);
    await request(api.app)
      .post(`/declined-support/${caseId}/contacts`)
      .set(await practitioner())
      .send({ outcome: 'wants_time', note: 'Phoned; she will think about the refuge' })
      .expect(200);
    const planId = randomUUID();
    const converted = await request(api.app)
      .post(`/declined-support/${caseId}/convert`)
      .set(await practitioner())
      .send({ reason: 'adult_agrees', planId, note: 'Agreed after the second contact' })
      .expect(200);
    expect(converted.body).toMatchObject({ status: 'converted', conversion: { planId, reason: 'adult_agrees' } });
    await request(api.app)
      .post(`/declined-support/${caseId}/contacts`)
      .set(await practitioner())
      .send({ outcome: 'no_contact', note: 'x' })
      .expect(409);
  });

  it.each(WITHOUT_CONSENT_GROUNDS)(
    'When an action without consent is recorded on the ground "%s", then it is kept with who decided, why and when the adult was told',
    async (ground) => {
      const caseId = await declinedCase();
      const crime = ground === 'serious_crime' ? { crimeAlleged: true, supportToReport: 'Offered to go with her to the police station' } : {};
      const res = await request(api.app)
        .post('/actions-without-consent')
        .set(await manager())
        .send(action(caseId, { ground, ...crime }))
        .expect(201);
      expect(res.body).toMatchObject({ ground, team, decidedById: `mgr-${tag}`, decidedByRole: 'manager', adultTold: true, subjectType: 'declined_support', subjectId: caseId });
      const listed = await request(api.app)
        .get('/actions-without-consent')
        .query({ subjectType: 'declined_support', subjectId: caseId })
        .set(await practitioner())
        .expect(200);
      expect(listed.body.items.map((i: { ground: string }) => i.ground)).toEqual([ground]);
    },
  );

  it('When an action without consent has no ground, or lacks what its ground needs, then it is refused naming the field and nothing is recorded', async () => {
    const caseId = await declinedCase();
    const fields = async (body: Record<string, unknown>) =>
      (
        await request(api.app)
          .post('/actions-without-consent')
          .set(await manager())
          .send(body)
          .expect(400)
      ).body.error.details.map((d: { field: string }) => d.field);
    expect(await fields(action(caseId, { ground: undefined }))).toEqual(['ground']);
    expect(await fields(action(caseId, { ground: 'we_thought_best' }))).toEqual(['ground']);
    expect(await fields(action(caseId, { ground: 'serious_crime', crimeAlleged: true }))).toEqual(['supportToReport']);
    expect(await fields(action(caseId, { adultTold: false, adultToldAt: undefined }))).toEqual(['notToldReason']);
    // A practitioner acts alone only in an emergency.
    await request(api.app)
      .post('/actions-without-consent')
      .set(await practitioner())
      .send(action(caseId))
      .expect(403);
    await request(api.app)
      .post('/actions-without-consent')
      .set(await practitioner())
      .send(action(caseId, { ground: 'emergency_or_life_threatening' }))
      .expect(201);
    expect(await api.harness.db.actionWithoutConsent.count({ where: { subjectId: caseId } })).toBe(1);
  });

  it("When the manager designates a deputy, then during the cover the deputy gives a disagreement's final decision as the manager, and the record names both", async () => {
    const today = toDateString(Date.now());
    const plan = await request(api.app)
      .post('/plans')
      .set(await practitioner())
      .send({ content: planContent(), consent: { basis: 'given', capacityConfirmed: true }, contacts, firstReviewDate: addDays(today, 30), benefitRationale: 'She wants a plan' })
      .expect(201);
    const { planId } = plan.body;
    const raised = await request(api.app)
      .post(`/plans/${planId}/disagreements`)
      .set(await practitioner())
      .send({ decisionRef: 'Plan benefit decision', what: 'Monitoring is not in the plan', why: 'Bank reports new withdrawals', evidence: 'Bank letter of last week' })
      .expect(201);
    const { disagreementId } = raised.body;
    const unresolved = await eventually(async () => {
      const res = await request(api.app)
        .get('/disagreement-lists/unresolved')
        .set(await lead())
        .expect(200);
      return res.body.items.some((d: { id: string }) => d.id === disagreementId) && res.body.items;
    });
    expect(unresolved.find((d: { id: string }) => d.id === disagreementId)).toMatchObject({ planId, raisedById: `prac-${tag}`, status: 'awaiting_response' });

    const answer = { finalDecision: 'Add monitoring of the account', rationale: 'New evidence of withdrawals' };
    await request(api.app)
      .post(`/disagreements/${disagreementId}/response`)
      .set(await deputy())
      .send(answer)
      .expect(403);
    const cover = (untilMs: number) => ({
      managerEmail: contacts.manager.email,
      deputyId: `deputy-${tag}`,
      deputyEmail: `deputy-${tag}@example.org`,
      from: new Date(Date.now() - 60_000).toISOString(),
      until: new Date(untilMs).toISOString(),
      reason: 'Leave',
    });
    const designate = async (as: Record<string, string>, untilMs: number, status: number) => {
      await request(api.app).post('/deputies').set(as).send(cover(untilMs)).expect(status);
    };
    await designate(await practitioner(), Date.now() + 3_600_000, 403);
    // A cover that ends before it starts is refused.
    await designate(await manager(), Date.now() - 120_000, 400);
    await designate(await manager(), Date.now() + 3_600_000, 201);
    const decided = await request(api.app)
      .post(`/disagreements/${disagreementId}/response`)
      .set(await deputy())
      .send(answer)
      .expect(200);
    expect(decided.body).toMatchObject({ status: 'decided', response: { by: { actorId: `deputy-${tag}`, actorRole: 'manager', onBehalfOf: `mgr-${tag}` } } });
    const row = await eventually(() => api.harness.db.planDisagreement.findFirst({ where: { id: disagreementId, status: 'decided' } }));
    expect(row).toMatchObject({ decidedById: `deputy-${tag}`, onBehalfOfId: `mgr-${tag}`, finalDecision: answer.finalDecision });

    // The plan's own manager decisions and lists are the deputy's too during the cover.
    await request(api.app)
      .post(`/plans/${planId}/go-live`)
      .set(await deputy())
      .expect(200);
    const asked = await request(api.app)
      .post(`/plans/${planId}/unscheduled-reviews`)
      .set(await practitioner())
      .send({ onBehalfOfAdult: true, reasons: ['adult_unhappy'], evidence: 'She asked for a meeting' })
      .expect(201);
    const awaiting = await request(api.app)
      .get('/plan-lists/unscheduled-awaiting-decision')
      .set(await deputy())
      .expect(200);
    expect(awaiting.body.items.map((i: { id: string }) => i.id)).toContain(asked.body.id);
    await request(api.app)
      .post(`/plans/${planId}/unscheduled-reviews/${asked.body.id}/decision`)
      .set(await deputy())
      .send({ decision: 'no_review', rationale: 'Review already due in a month', adultViews: 'Content to wait' })
      .expect(200);
    const decision = await eventually(() => api.harness.db.planDecision.findFirst({ where: { planId, kind: 'unscheduled_review' } }));
    expect(decision).toMatchObject({ actorId: `deputy-${tag}`, actorRole: 'manager', onBehalfOfId: `mgr-${tag}` });
  });
});
