import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { setTeam } from '../api/http/accounts';
import { as, startApi, type ApiHarness } from './helpers/api';
import { eventually } from './helpers/eventually';
import { MIN, sentTo, startBody } from './helpers/visits';

// Issue 15 hole 7: whom a visit alerts comes from the directory (the worker's team, its
// managers and on-call contact), never from addresses typed into the start request.
describe('Who a visit alerts comes from the directory (Temporal dev server, PostgreSQL, SMTP)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api?.close());

  /** A team of its own per test, so each has its own on-call address and managers. */
  async function team(options: { onCall?: boolean; managers?: number } = {}) {
    const tag = randomUUID().slice(0, 8);
    const id = `dir-${tag}`;
    const onCallEmail = `desk-${tag}@example.org`;
    await api.harness.db.team.create({ data: { id, name: `Team ${tag}`, ...(options.onCall === false ? {} : { onCallName: 'North desk', onCallEmail }) } });
    const person = (name: string, role: string) => as(`${name}-${tag}`, role, id, { name: `${name} ${tag}`, email: `${name}-${tag}@example.org` });
    const managers = await Promise.all(Array.from({ length: options.managers ?? 1 }, (_, i) => person(`manager${i + 1}`, 'manager')));
    return { tag, id, onCallEmail, worker: await person('worker', 'worker'), managers, person, mail: (name: string) => `${name}-${tag}@example.org` };
  }

  const body = (tag: string, extra: Record<string, unknown> = {}) => startBody(tag, { policy: { redFlagAlertsEmergency: true }, ...extra });

  const redFlagMail = (to: string) => api.harness.smtp.waitFor(1, (m) => m.to.includes(to) && m.subject.startsWith('RED FLAG'));

  it('When a start types the manager, emergency contact or worker, then 400 names each field and no visit starts', async () => {
    const t = await team();
    const visitId = randomUUID();
    const typed = body(t.tag, {
      visitId,
      worker: { id: `worker-${t.tag}`, name: 'Someone Else' },
      manager: { id: `manager1-${t.tag}`, email: 'me@elsewhere.example' },
      emergencyContact: { name: 'My friend', email: 'friend@elsewhere.example' },
      buddy: { id: `manager1-${t.tag}`, email: 'typed@elsewhere.example' },
    });
    const res = await request(api.app).post('/visits').set(t.worker).send(typed).expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['buddy.email', 'emergencyContact', 'manager.email', 'worker.name']);
    expect(res.body.error.details.find((d: { field: string }) => d.field === 'emergencyContact').message).toContain("the team's on-call contact");
    expect(await api.harness.db.visit.count({ where: { id: visitId } })).toBe(0);
  });

  it("When a worker names only a buddy, then a red flag reaches the team's default manager and its on-call contact; a manager named by id instead", async () => {
    const t = await team({ managers: 2 });
    await setTeam(api.harness.db, { id: t.id, defaultManagerId: `manager2-${t.tag}` });
    const started = await request(api.app).post('/visits').set(t.worker).send(body(t.tag)).expect(201);
    expect(started.body.alerts).toEqual({ buddy: 'Bob Buddy', manager: `manager2 ${t.tag}`, emergency: 'North desk' });
    await request(api.app).post(`/visits/${started.body.visitId}/red-flag`).set(t.worker).send({ reason: 'Shouting inside' }).expect(202);
    const [toManager] = await redFlagMail(t.mail('manager2'));
    expect(toManager.subject).toBe(`RED FLAG: worker ${t.tag} needs help now`);
    await redFlagMail(t.onCallEmail);
    await redFlagMail(`buddy-${t.tag}@example.org`);
    expect(sentTo(api.harness.smtp.messages, t.mail('manager1'))).toHaveLength(0);

    const chosen = await request(api.app)
      .post('/visits')
      .set(t.worker)
      .send(body(t.tag, { manager: { id: `manager1-${t.tag}` } }))
      .expect(201);
    await request(api.app).post(`/visits/${chosen.body.visitId}/red-flag`).set(t.worker).send({}).expect(202);
    await redFlagMail(t.mail('manager1'));
  });

  it('When the directory cannot say whom to alert, then the start is refused with what to set; a manager or buddy who is not in it is refused by field', async () => {
    const t = await team({ onCall: false, managers: 2 });
    const noOnCall = await request(api.app).post('/visits').set(t.worker).send(body(t.tag)).expect(409);
    expect(noOnCall.body.error.message).toContain(`npm run users -- team --id ${t.id} --on-call-email`);
    await setTeam(api.harness.db, { id: t.id, onCallEmail: t.onCallEmail });
    const noDefault = await request(api.app).post('/visits').set(t.worker).send(body(t.tag)).expect(409);
    expect(noDefault.body.error.message).toContain('several managers and no default');

    const other = await team();
    const notOurs = await request(api.app)
      .post('/visits')
      .set(t.worker)
      .send(body(t.tag, { manager: { id: `manager1-${other.tag}` } }))
      .expect(400);
    expect(notOurs.body.error.details).toEqual([{ field: 'manager.id', message: `is not a manager of team ${t.id}` }]);
    const noBuddy = await request(api.app)
      .post('/visits')
      .set(t.worker)
      .send(body(t.tag, { manager: { id: `manager1-${t.tag}` }, buddy: { id: `nobody-${t.tag}` } }))
      .expect(400);
    expect(noBuddy.body.error.details.map((d: { field: string }) => d.field)).toEqual(['buddy.id']);
    await expect(setTeam(api.harness.db, { id: t.id, defaultManagerId: `manager1-${other.tag}` })).rejects.toThrow('is not an active manager');
  });

  it("When a manager is on cover, then their deputy gets the visit's manager alert, takes charge and resolves; without cover they may not", async () => {
    const t = await team();
    const deputy = await t.person('deputy', 'practitioner');
    const started = await request(api.app).post('/visits').set(t.worker).send(body(t.tag)).expect(201);
    const visitId = started.body.visitId as string;
    await request(api.app).post(`/visits/${visitId}/red-flag`).set(t.worker).send({}).expect(202);
    await redFlagMail(t.mail('manager1'));
    // Before the cover the deputy is nobody on this visit, nor on the team's dashboard.
    await request(api.app).post(`/visits/${visitId}/acknowledge`).set(deputy).expect(403);
    await request(api.app).get('/dashboard/visits').set(deputy).expect(403);

    const now = Date.now();
    await request(api.app)
      .post('/deputies')
      .set(t.managers[0])
      .send({
        managerEmail: t.mail('manager1'),
        deputyId: `deputy-${t.tag}`,
        deputyEmail: t.mail('deputy'),
        from: new Date(now - MIN).toISOString(),
        until: new Date(now + 60 * MIN).toISOString(),
        reason: 'Annual leave',
      })
      .expect(201);
    const second = await request(api.app).post('/visits').set(t.worker).send(body(t.tag)).expect(201);
    await request(api.app).post(`/visits/${second.body.visitId}/red-flag`).set(t.worker).send({}).expect(202);
    const [toDeputy] = await redFlagMail(t.mail('deputy'));
    expect(toDeputy.text).toContain('/visits/ack/');
    expect(sentTo(api.harness.smtp.messages, t.mail('manager1'))).toHaveLength(1);

    const board = await request(api.app).get('/dashboard/visits').set(deputy).expect(200);
    expect(board.body.visits.map((v: { workerName: string }) => v.workerName)).toContain(`worker ${t.tag}`);
    const read = await api.harness.db.auditEntry.findFirstOrThrow({ where: { action: 'dashboard.read', actorId: `deputy-${t.tag}` } });
    expect(read.data).toMatchObject({ onBehalfOf: `manager1-${t.tag}` });
    await request(api.app).post(`/visits/${second.body.visitId}/acknowledge`).set(deputy).expect(202);
    // Taking charge is a signal: the visit's record shows the new owner once the workflow has acted on it.
    const owner = await eventually(async () => (await request(api.app).get(`/visits/${second.body.visitId}`).set(deputy)).body.visit?.alert?.owner);
    expect(owner).toMatchObject({ id: `deputy-${t.tag}`, role: 'manager', name: `deputy ${t.tag}` });
    const resolved = await request(api.app)
      .post(`/visits/${second.body.visitId}/resolve`)
      .set(deputy)
      .send({ outcome: 'false-alarm', rationale: 'Phoned the worker: pressed by mistake' })
      .expect(200);
    expect(resolved.body.incident).toBeNull();
    const events = await eventually(async () => {
      const rows = await api.harness.db.visitEvent.findMany({ where: { visitId: second.body.visitId, type: { in: ['acknowledged', 'incident-resolved'] } } });
      return rows.length === 2 && rows;
    });
    expect(events.map((e) => e.actorId)).toEqual([`deputy-${t.tag}`, `deputy-${t.tag}`]);
    // Another practitioner of the team has no cover: still refused.
    await request(api.app)
      .post(`/visits/${visitId}/resolve`)
      .set(await t.person('other', 'practitioner'))
      .send({ outcome: 'other', rationale: 'Not mine to close' })
      .expect(403);
  });
});
