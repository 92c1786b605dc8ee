import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { SA } from '../config/search-attributes';
import { ackLinkUrl, signAckToken } from '../lib/ack-links';
import { visitWorkflowId } from '../workflows/visit-contract';
import { as as asActor, startApi, type ApiHarness } from './helpers/api';
import { LINK_SECRET, PUBLIC_URL } from './helpers/temporal';
import { directoryParties, eventsOf, MIN, startBody } from './helpers/visits';

const as = (id: string, role: string, team = 'north') => asActor(id, role, team);

describe('The visits API (Temporal dev server, PostgreSQL, SMTP)', () => {
  let api: ApiHarness;
  let app: Express;

  beforeAll(async () => {
    api = await startApi();
    app = api.app;
  });
  afterAll(() => api?.close());

  function visitBody(overrides: Record<string, unknown> = {}) {
    const tag = randomUUID().slice(0, 8);
    return { tag, body: startBody(tag, { manager: { id: `manager-${tag}` }, duressCode: '9911', ...overrides }) };
  }

  const people = directoryParties;

  async function startVisit(overrides: Record<string, unknown> = {}) {
    const { tag, body } = visitBody(overrides);
    const workerId = `worker-${tag}`;
    const { worker } = await people(tag);
    const res = await request(app).post('/visits').set(worker).send(body).expect(201);
    return { tag, body, workerId, visitId: res.body.visitId as string, worker };
  }

  it('When a worker starts a visit and checks in, then the visit is open and its timeline shows both', async () => {
    const { visitId, worker: me } = await startVisit();
    const checkIn = await request(app).post(`/visits/${visitId}/check-in`).set(me).send({}).expect(202);
    expect(checkIn.body).toEqual({ visitId, accepted: 'check-in', at: expect.any(String) });
    await eventsOf(api.harness.db, visitId, (t) => t.includes('checked-in'));
    const got = await request(app).get(`/visits/${visitId}`).set(me).expect(200);
    expect(got.body.visit.status).toBe('open');
    expect(got.body.timeline.map((e: { type: string }) => e.type)).toEqual(['visit-started', 'checked-in']);
    const listed = await request(app)
      .get('/visits?status=open')
      .set(await as('any-manager', 'manager'))
      .expect(200);
    expect(listed.body.visits.map((v: { id: string }) => v.id)).toContain(visitId);
    const handle = api.env.client.workflow.getHandle(visitWorkflowId(visitId));
    const described = await handle.describe();
    expect([SA.kind, SA.status, SA.team, SA.escalationLevel].map((key) => described.typedSearchAttributes.get(key))).toEqual(['visit', 'open', 'north', 0]);
    expect(described.typedSearchAttributes.get(SA.nextDeadline)?.toISOString()).toBe(got.body.visit.eta);
    // The API started it with its search attributes, and neither the start nor a check-in changed what operators filter on.
    const { events } = await handle.fetchHistory();
    expect(described.type).toBe('visitWorkflowV3');
    expect(events!.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes || e.markerRecordedEventAttributes)).toEqual([]);
  });

  it('When the worker checks in after checking out, then 409 says the visit is closed', async () => {
    const { visitId, worker: me } = await startVisit();
    await request(app).post(`/visits/${visitId}/check-out`).set(me).send({}).expect(202);
    await eventsOf(api.harness.db, visitId, (t) => t.includes('checked-out'));
    const res = await request(app).post(`/visits/${visitId}/check-in`).set(me).send({}).expect(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', message: 'The visit is closed; start a new visit to keep being watched' });
  });

  it('When the input is invalid or impossible, then 400 names each field', async () => {
    const past = visitBody({ eta: new Date(Date.now() - MIN).toISOString(), buddy: { name: 'B', email: 'not-an-email' } }).body;
    const res = await request(app)
      .post('/visits')
      .set(await as('w1', 'worker'))
      .send(past)
      .expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['buddy.email', 'eta']);
    const looser = visitBody({ policy: { graceMinutes: 60, ladder: [{ notify: 'buddy', waitMinutes: 0, repeats: 1 }] } }).body;
    const policy = await request(app)
      .post('/visits')
      .set(await as('w1', 'worker'))
      .send(looser)
      .expect(400);
    expect(policy.body.error.details).toEqual([{ field: 'policy.ladder[0].waitMinutes', message: expect.any(String) }]);
    const tooLoose = await request(app)
      .post('/visits')
      .set(await as('w1', 'worker'))
      .send(visitBody({ policy: { graceMinutes: 60 } }).body)
      .expect(400);
    expect(tooLoose.body.error).toMatchObject({
      message: 'Invalid body: policy.graceMinutes: must be between 0 and 10',
      details: [{ field: 'policy.graceMinutes', message: 'must be between 0 and 10' }],
    });
    const slowLadder = await request(app)
      .post('/visits')
      .set(await as('w1', 'worker'))
      .send(
        visitBody({
          policy: {
            ladder: [
              { notify: 'buddy', waitMinutes: 30, repeats: 1 },
              { notify: 'manager', waitMinutes: 5, repeats: 1 },
            ],
          },
        }).body,
      )
      .expect(400);
    expect(slowLadder.body.error.details).toEqual([{ field: 'policy.ladder[0].waitMinutes', message: 'must be between 1 and 15' }]);
    const { visitId, worker: me } = await startVisit();
    const extend = await request(app).post(`/visits/${visitId}/extend`).set(me).send({ eta: 'tomorrow' }).expect(400);
    expect(extend.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['eta', 'reason']);
  });

  it('When the visit does not exist, then 404; when the caller is not allowed, then 401 or 403', async () => {
    await request(app)
      .get(`/visits/${randomUUID()}`)
      .set(await as('w1', 'worker'))
      .expect(404);
    await request(app)
      .get('/visits/not-a-uuid')
      .set(await as('w1', 'worker'))
      .expect(400);
    const { visitId, tag } = await startVisit();
    await request(app).post(`/visits/${visitId}/check-in`).send({}).expect(401);
    await request(app)
      .post(`/visits/${visitId}/check-in`)
      .set(await as('someone-else', 'worker'))
      .send({})
      .expect(403);
    await request(app)
      .post(`/visits/${visitId}/resolve`)
      .set(await as(`worker-${tag}`, 'worker'))
      .send({ outcome: 'other', rationale: 'Trying to close it myself' })
      .expect(403);
    await request(app)
      .post(`/visits/${visitId}/acknowledge`)
      .set(await as('other-team-manager', 'manager', 'south'))
      .expect(403);
    const high = visitBody({ riskLevel: 'high' });
    const { worker } = await people(high.tag);
    await request(app).post('/visits').set(worker).send(high.body).expect(403);
    await request(app)
      .post('/visits')
      .set(worker)
      .send({ ...high.body, secondPersonPresent: true })
      .expect(201);
  });

  it('When the same visit id is started twice, then the second start is 409', async () => {
    const visitId = randomUUID();
    const { visitId: started, worker: me, body } = await startVisit({ visitId });
    expect(started).toBe(visitId);
    await request(app).post('/visits').set(me).send(body).expect(409);
  });

  it('When a red flag is raised, then the emailed link takes charge once; used, expired and forged links are refused', async () => {
    const { visitId, tag, worker: me } = await startVisit();
    await request(app).post(`/visits/${visitId}/red-flag`).set(me).send({ reason: 'Raised voices next door' }).expect(202);
    const [mail] = await api.harness.smtp.waitFor(1, (m) => m.to[0] === `buddy-${tag}@example.org`);
    expect(mail.subject).toBe('RED FLAG: Wendy Worker needs help now');
    const link = /http:\/\/carewatch\.test(\/visits\/ack\/\S+)/.exec(mail.text)![1];

    const page = await request(app).get(link).expect(200);
    expect(page.text).toContain('<form method="post">');
    const taken = await request(app).post(link).set('Accept', 'application/json').expect(202);
    expect(taken.body.owner).toMatchObject({ role: 'buddy', name: 'Bob Buddy' });
    await request(app).post(link).expect(409);
    const told = await api.harness.smtp.waitFor(1, (m) => m.to[0] === `manager-${tag}@example.org` && m.subject.startsWith('Bob Buddy has taken charge'));
    expect(told).toHaveLength(1);
    await eventsOf(api.harness.db, visitId, (t) => t.includes('acknowledged'));
    const again = await request(app)
      .post(`/visits/${visitId}/acknowledge`)
      .set(await as('mgr', 'manager'))
      .expect(409);
    expect(again.body.error.message).toMatch(/^Already acknowledged by Bob Buddy \(buddy\)/);

    const expired = signAckToken({ tokenId: 'x', visitId, role: 'manager', exp: Date.now() - 1 }, LINK_SECRET);
    await request(app)
      .post(new URL(ackLinkUrl(PUBLIC_URL, expired)).pathname)
      .expect(410);
    const forged = signAckToken({ tokenId: 'x', visitId, role: 'manager', exp: Date.now() + MIN }, 'another-secret-of-at-least-32-characters');
    await request(app)
      .post(new URL(ackLinkUrl(PUBLIC_URL, forged)).pathname)
      .expect(403);

    const incidents = await request(app)
      .get('/visits?status=incident')
      .set(await as('mgr', 'manager'))
      .expect(200);
    expect(incidents.body.visits.map((v: { id: string }) => v.id)).toContain(visitId);
    const resolved = await request(app)
      .post(`/visits/${visitId}/resolve`)
      .set(await as('mgr', 'manager'))
      .send({ outcome: 'worker-safe', rationale: 'Worker left safely, neighbour dispute only', reviewRiskAssessment: true })
      .expect(200);
    expect(resolved.body).toMatchObject({ incident: null, riskReviewRequested: true, phase: 'ended' });
  });

  it('When the worker checks out with the duress code, then the response and their view look normal', async () => {
    const { visitId, tag, worker: me } = await startVisit();
    const out = await request(app).post(`/visits/${visitId}/check-out`).set(me).send({ code: '9911' }).expect(202);
    const other = await startVisit();
    const normal = await request(app).post(`/visits/${other.visitId}/check-out`).set(other.worker).send({ code: '1234' }).expect(202);
    // Field for field the same answer as a check-out with any other code.
    expect(Object.keys(out.body)).toEqual(Object.keys(normal.body));
    expect(out.body).toEqual({ ...normal.body, visitId, at: out.body.at });
    await api.harness.smtp.waitFor(1, (m) => m.to[0] === `manager-${tag}@example.org` && m.subject.startsWith('SILENT ALARM'));
    const mine = await request(app).get(`/visits/${visitId}`).set(me).expect(200);
    expect(mine.body.visit).toMatchObject({ status: 'closed', incident: null });
    expect(mine.body.timeline.map((e: { type: string }) => e.type)).toEqual(['visit-started', 'checked-out']);
    const managers = await request(app)
      .get(`/visits/${visitId}`)
      .set(await as('mgr', 'manager'))
      .expect(200);
    expect(managers.body.visit.incident).toMatchObject({ reason: 'duress' });
  });

  it('When the OpenAPI document is fetched, then it describes the visit endpoints from the same schemas', async () => {
    const res = await request(app).get('/openapi.json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/visits', '/visits/{visitId}/check-in', '/visits/ack/{token}']));
    expect(res.body.components.schemas.StartVisit.required).toEqual(expect.arrayContaining(['eta', 'riskLevel', 'buddy']));
  });
});
