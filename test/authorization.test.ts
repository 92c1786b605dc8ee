import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { addDays, toDateString } from '../workflows/working-days';
import { as, startApi, type ApiHarness } from './helpers/api';
import { eventually } from './helpers/eventually';
import { planContent, review, supervisedContact } from './helpers/plans';
import { MIN } from './helpers/visits';

// The whole role × action matrix through the real API, real tokens, real workflows: each
// allowed cell acts on a resource of its own and must succeed; each denied cell must get 403
// (and change nothing: the allowed cells after it still succeed); nobody signed in gets 401.

const run = randomUUID().slice(0, 6);
const teamA = `mx-a-${run}`;
const teamB = `mx-b-${run}`;
const people = {
  worker: ['worker', teamA],
  buddy: ['worker', teamA],
  otherWorker: ['worker', teamA],
  managerA: ['manager', teamA],
  managerB: ['manager', teamB],
  lead: ['practitioner', teamA],
  otherPractitioner: ['practitioner', teamA],
  safeguardingLead: ['safeguarding_lead', undefined],
  operator: ['operator', undefined],
  admin: ['admin', undefined],
} as const;
type Who = keyof typeof people;
const everyone = Object.keys(people) as Who[];
const idOf = (who: Who) => `${who}-${run}`;
const headersOf = (who: Who) => as(idOf(who), people[who][0], people[who][1]);

interface Call {
  method: 'get' | 'post';
  path: string;
  body?: object;
}
interface Case {
  action: string;
  allowed: Who[];
  okStatus: number;
  /** A fresh resource for the call: allowed cells change state, so each gets its own. */
  prepare: () => Promise<Call>;
}

describe('Who may do what: every role against every action (dev server, PostgreSQL)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
    await Promise.all(everyone.map(headersOf));
  });
  afterAll(() => api?.close());

  const today = () => toDateString(Date.now());
  const send = async (call: Call, headers: Record<string, string>) => {
    const req = request(api.app)[call.method](call.path).set(headers);
    return call.body ? req.send(call.body) : req;
  };
  const by = async (who: Who, call: Call, expected: number) => {
    const res = await send(call, await headersOf(who));
    expect({ who, call: `${call.method} ${call.path}`, status: res.status }).toEqual({ who, call: `${call.method} ${call.path}`, status: expected });
    return res;
  };

  const visitBody = () => ({
    kind: 'home',
    riskLevel: 'medium',
    clientRef: `C-${run}`,
    location: '3 Mill Lane, York',
    eta: new Date(Date.now() + 90 * MIN).toISOString(),
    worker: { id: idOf('worker') },
    buddy: { id: idOf('buddy') },
    manager: { id: idOf('managerA') },
  });
  async function visit(redFlag = false): Promise<string> {
    const started = await by('worker', { method: 'post', path: '/visits', body: visitBody() }, 201);
    const visitId: string = started.body.visitId;
    if (redFlag) {
      await by('worker', { method: 'post', path: `/visits/${visitId}/red-flag`, body: { reason: 'Shouting next door' } }, 202);
      // Kept at once, acted on by the visit's next workflow task: wait until the row shows the alert.
      await eventually(async () => ((await api.harness.db.visit.findUnique({ where: { id: visitId } }))?.state as { alert?: unknown } | null)?.alert);
    }
    return visitId;
  }

  const planBody = (content = planContent()) => ({
    content,
    consent: { basis: 'given', capacityConfirmed: true },
    contacts: {
      leadPractitioner: { id: idOf('lead'), email: 'lead@example.org' },
      manager: { id: idOf('managerA'), email: 'manager@example.org' },
      safeguardingLead: { id: idOf('safeguardingLead'), email: 'sl@example.org' },
    },
    firstReviewDate: addDays(today(), 30),
    benefitRationale: 'On-going risk of financial abuse; the adult wants a plan',
  });
  async function plan(live = true, content = planContent()): Promise<string> {
    const created = await by('lead', { method: 'post', path: '/plans', body: planBody(content) }, 201);
    if (live) await by('managerA', { method: 'post', path: `/plans/${created.body.planId}/go-live` }, 200);
    return created.body.planId;
  }

  const visitCase = (action: string, allowed: Who[], okStatus: number, redFlag: boolean, call: (id: string) => Omit<Call, 'path'> & { path: string }): Case => ({
    action,
    allowed,
    okStatus,
    prepare: async () => call(await visit(redFlag)),
  });
  const planCase = (action: string, allowed: Who[], okStatus: number, call: (id: string) => Promise<Call> | Call, live = true): Case => ({
    action,
    allowed,
    okStatus,
    prepare: async () => call(await plan(live)),
  });
  const fixed = (action: string, allowed: Who[], okStatus: number, call: Call): Case => ({ action, allowed, okStatus, prepare: async () => call });

  const cases: Case[] = [
    fixed('start a visit for the worker', ['worker', 'managerA'], 201, { method: 'post', path: '/visits', body: visitBody() }),
    fixed('list visits', ['worker', 'buddy', 'otherWorker', 'managerA', 'managerB'], 200, { method: 'get', path: '/visits' }),
    fixed("read the team's dashboard (workers' names)", ['managerA', 'managerB'], 200, { method: 'get', path: '/dashboard/visits' }),
    visitCase('read a visit', ['worker', 'buddy', 'managerA'], 200, false, (id) => ({ method: 'get', path: `/visits/${id}` })),
    visitCase('check in', ['worker'], 202, false, (id) => ({ method: 'post', path: `/visits/${id}/check-in`, body: {} })),
    visitCase('extend', ['worker'], 200, false, (id) => ({
      method: 'post',
      path: `/visits/${id}/extend`,
      body: { eta: new Date(Date.now() + 120 * MIN).toISOString(), reason: 'Client needed more time' },
    })),
    visitCase('check out', ['worker'], 202, false, (id) => ({ method: 'post', path: `/visits/${id}/check-out`, body: {} })),
    visitCase('raise a red flag', ['worker', 'buddy', 'managerA'], 202, false, (id) => ({ method: 'post', path: `/visits/${id}/red-flag`, body: { reason: 'Heard shouting' } })),
    visitCase('acknowledge an alert', ['buddy', 'managerA'], 202, true, (id) => ({ method: 'post', path: `/visits/${id}/acknowledge` })),
    visitCase('resolve an incident', ['managerA'], 200, true, (id) => ({
      method: 'post',
      path: `/visits/${id}/resolve`,
      body: { outcome: 'false-alarm', rationale: 'Neighbours arguing, worker safe' },
    })),

    fixed('record a plan', ['lead', 'otherPractitioner', 'managerA', 'managerB'], 201, { method: 'post', path: '/plans', body: planBody() }),
    planCase('read a plan', ['lead', 'managerA', 'safeguardingLead'], 200, (id) => ({ method: 'get', path: `/plans/${id}` })),
    planCase('put a plan live', ['lead', 'managerA'], 200, (id) => ({ method: 'post', path: `/plans/${id}/go-live` }), false),
    {
      action: 'record legal advice',
      allowed: ['lead', 'managerA'],
      okStatus: 200,
      prepare: async () => ({
        method: 'post',
        path: `/plans/${await plan(false, planContent({ measures: [...planContent().measures, supervisedContact] }))}/measures/m3/legal-advice`,
        body: { reference: 'LEGAL-1', summary: 'Proportionate for 3 months', advisedOn: today() },
      }),
    },
    planCase('record a review', ['lead', 'managerA'], 200, (id) => ({ method: 'post', path: `/plans/${id}/reviews`, body: review('continue_unchanged', today()) })),
    planCase('move the review', ['managerA'], 200, (id) => ({
      method: 'post',
      path: `/plans/${id}/review-date`,
      body: { newDate: addDays(today(), 40), rationale: 'Advocate away' },
    })),
    planCase('request an unscheduled review', ['lead', 'managerA', 'safeguardingLead'], 201, (id) => ({
      method: 'post',
      path: `/plans/${id}/unscheduled-reviews`,
      body: { onBehalfOfAdult: false, reasons: ['not_working'], evidence: 'Money still goes missing' },
    })),
    planCase('decide an unscheduled review', ['managerA'], 200, async (id) => {
      const asked = await by(
        'lead',
        { method: 'post', path: `/plans/${id}/unscheduled-reviews`, body: { onBehalfOfAdult: false, reasons: ['not_working'], evidence: 'Money still goes missing' } },
        201,
      );
      return {
        method: 'post',
        path: `/plans/${id}/unscheduled-reviews/${asked.body.id}/decision`,
        body: { decision: 'arrange_review', reviewDate: addDays(today(), 3), rationale: 'Evidence is clear', adultViews: 'Wants it soon' },
      };
    }),
    planCase('complete an action', ['lead', 'managerA'], 200, (id) => ({ method: 'post', path: `/plans/${id}/actions/a1/complete`, body: { note: 'Met the bank' } })),
    planCase('end a plan', ['managerA'], 200, (id) => ({ method: 'post', path: `/plans/${id}/end`, body: review('end', today()).ending })),
    planCase('decide on a copy', ['managerA'], 201, (id) => ({ method: 'post', path: `/plans/${id}/copies`, body: { recipient: { kind: 'adult' } } })),
    planCase('read a copy', ['lead', 'managerA', 'safeguardingLead'], 200, async (id) => {
      const copy = await by('managerA', { method: 'post', path: `/plans/${id}/copies`, body: { recipient: { kind: 'adult' } } }, 201);
      await eventually(() => api.harness.db.planDisclosure.findFirst({ where: { id: copy.body.disclosureId, html: { not: null } } }));
      return { method: 'get', path: copy.body.document };
    }),
    fixed("read a team's list", ['managerA', 'managerB'], 200, { method: 'get', path: '/plan-lists/overdue-reviews' }),
    fixed('read the outcome report', ['managerA', 'managerB', 'safeguardingLead', 'admin'], 200, { method: 'get', path: `/reports/plan-outcomes?from=${today()}&to=${today()}` }),

    fixed('list users', ['admin'], 200, { method: 'get', path: '/admin/users' }),
    fixed('issue a token', ['admin'], 201, { method: 'post', path: `/admin/users/${idOf('operator')}/tokens`, body: { name: 'monitoring', expiresInDays: 30 } }),
    fixed('create a user', ['admin'], 201, { method: 'post', path: '/admin/users', body: { email: `new-${run}@example.org`, name: 'New Person', role: 'worker', team: teamA } }),
    fixed('who am I', everyone, 200, { method: 'get', path: '/auth/me' }),
  ];

  it.each(cases.map((c) => [c.action, c] as const))('%s', async (_action, c) => {
    const denied = everyone.filter((w) => !c.allowed.includes(w));
    // One shared resource for the refusals: a refusal must change nothing.
    const shared = await c.prepare();
    const anonymous = await send(shared, {});
    expect(anonymous.status).toBe(401);
    for (const who of denied) {
      const res = await by(who, shared, 403);
      expect(res.body.error).toEqual({ code: 'forbidden', message: expect.any(String) });
    }
    // The first allowed actor acts on the very resource the others were refused: it is unchanged.
    for (const [i, who] of c.allowed.entries()) await by(who, i === 0 ? shared : await c.prepare(), c.okStatus);
  });

  it('When a token is revoked or has expired, then it stops working at once', async () => {
    const admin = await headersOf('admin');
    const issued = await request(api.app)
      .post(`/admin/users/${idOf('worker')}/tokens`)
      .set(admin)
      .send({ name: 'phone' })
      .expect(201);
    const bearer = { authorization: `Bearer ${issued.body.token}` };
    await request(api.app).get('/auth/me').set(bearer).expect(200);
    const listed = await request(api.app)
      .get(`/admin/users/${idOf('worker')}/tokens`)
      .set(admin)
      .expect(200);
    const listedToken = listed.body.tokens.find((t: { id: string }) => t.id === issued.body.id);
    expect(listedToken).toMatchObject({ kind: 'api', name: 'phone', lastUsedAt: expect.any(String), revokedAt: null });
    // Recorded as the instant of use, not shifted by a time zone.
    expect(Math.abs(Date.parse(listedToken.lastUsedAt) - Date.now())).toBeLessThan(60_000);
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);
    await request(api.app).post(`/admin/tokens/${issued.body.id}/revoke`).set(admin).expect(200);
    const refused = await request(api.app).get('/auth/me').set(bearer).expect(401);
    expect(refused.body.error.code).toBe('unauthenticated');
    await request(api.app).post(`/admin/tokens/${issued.body.id}/revoke`).set(admin).expect(404);

    const stored = await api.harness.db.apiToken.findUniqueOrThrow({ where: { id: issued.body.id } });
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.hash).not.toContain(issued.body.token);
    const short = await request(api.app)
      .post(`/admin/users/${idOf('worker')}/tokens`)
      .set(admin)
      .send({ name: 'short', expiresInDays: 1 })
      .expect(201);
    await api.harness.db.apiToken.update({ where: { id: short.body.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await request(api.app)
      .get('/auth/me')
      .set({ authorization: `Bearer ${short.body.token}` })
      .expect(401);
    await request(api.app).get('/auth/me').set({ authorization: 'Bearer cw_not-a-real-token' }).expect(401);
    await request(api.app).get('/auth/me').set({ authorization: 'Basic dXNlcjpwYXNz' }).expect(401);
  });
});
