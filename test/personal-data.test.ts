import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { planWorkflowId } from '../workflows/plan-contract';
import { visitWorkflowId } from '../workflows/visit-contract';
import { addDays, toDateString } from '../workflows/working-days';
import { as, personalDataOf, startApi, type ApiHarness } from './helpers/api';
import { ownPlanContacts, planContent } from './helpers/plans';
import { eventsOf } from './helpers/visits';

/** Every string and every byte array in a raw history, bytes read as text as a reader without the key would. */
function textOf(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('latin1'), Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) textOf(v, out);
  return out;
}

// One visit that escalates and is acknowledged, and one live plan, through the API on the
// dev server; then what Temporal holds is read without the codec.
describe('Personal data out of plain sight (dev server, PostgreSQL, SMTP)', () => {
  let api: ApiHarness;
  const tag = randomUUID().slice(0, 8);
  const team = `team-${tag}`;
  const personal = personalDataOf(tag);
  let visitId = '';
  const planContacts = ownPlanContacts(tag);
  let planId = '';

  beforeAll(async () => {
    api = await startApi();
    await as(`manager-${tag}`, 'manager', team);
    const started = await request(api.app)
      .post('/visits')
      .set(await as(`worker-${tag}`, 'worker', team, { name: personal.workerName, email: personal.workerEmail }))
      .send({
        kind: 'home',
        riskLevel: 'medium',
        clientRef: `C-${tag}`,
        location: personal.address,
        eta: new Date(Date.now() + 2_000).toISOString(),
        buddy: { name: personal.buddyName, email: personal.buddyEmail },
        // The shortest grace the API allows, and a ladder that starts with the buddy: the
        // first alert (and so an incident to acknowledge) comes a minute after the ETA.
        policy: {
          graceMinutes: 1,
          ladder: [
            { notify: 'buddy', waitMinutes: 10, repeats: 1 },
            { notify: 'manager', waitMinutes: 10, repeats: 1 },
          ],
        },
      })
      .expect(201);
    visitId = started.body.visitId;
    await eventsOf(api.harness.db, visitId, (types) => types.includes('alert-sent'), 120_000);
    await request(api.app)
      .post(`/visits/${visitId}/acknowledge`)
      .set(await as(`manager-${tag}`, 'manager', team))
      .expect(202);
    await eventsOf(api.harness.db, visitId, (types) => types.includes('acknowledged'));

    const content = planContent({ risks: [{ id: 'r1', description: personal.planText, likelyImpact: 'Cannot pay for care' }] });
    const created = await request(api.app)
      .post('/plans')
      .set(await as(`prac-${tag}`, 'practitioner', team))
      .send({
        content,
        consent: { basis: 'given', capacityConfirmed: true },
        contacts: planContacts,
        firstReviewDate: addDays(toDateString(Date.now()), 30),
        benefitRationale: 'On-going risk of financial abuse',
      })
      .expect(201);
    planId = created.body.planId;
    await request(api.app)
      .post(`/plans/${planId}/go-live`)
      .set(await as(`mgr-${tag}`, 'manager', team))
      .expect(200);
  }, 180_000);
  afterAll(() => api?.close());

  const rawHistory = (workflowId: string) =>
    api.env.connection.workflowService.getWorkflowExecutionHistory({ namespace: api.env.namespace ?? 'default', execution: { workflowId } });

  it('When the raw history of a visit and a plan is read without the key, then no name, email, address or plan text appears', async () => {
    for (const workflowId of [visitWorkflowId(visitId), planWorkflowId(planId)]) {
      const history = await rawHistory(workflowId);
      expect(history.history?.events?.length).toBeGreaterThan(3);
      const text = textOf(history).join('\n');
      for (const [what, value] of Object.entries(personal)) expect({ workflowId, what, found: text.includes(value) }).toEqual({ workflowId, what, found: false });
      expect(text).toContain('binary/encrypted');
    }
  });

  it('When an operator asks the codec endpoint, then the payloads decode; anyone else is refused', async () => {
    const history = await rawHistory(visitWorkflowId(visitId));
    const input = history.history!.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
    const body = {
      payloads: input.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        data: Buffer.from(p.data!).toString('base64'),
      })),
    };
    const decoded = await request(api.app)
      .post('/codec/decode')
      .set(await as(`op-${tag}`, 'operator'))
      .set('X-Namespace', 'default')
      .send(body)
      .expect(200);
    const json = Buffer.from(decoded.body.payloads[0].data, 'base64').toString('utf8');
    expect(JSON.parse(json)).toMatchObject({ visitId, location: personal.address, worker: { name: personal.workerName } });
    expect(Buffer.from(decoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');

    // Encoding round-trips, so the UI can send signals and queries too.
    const encoded = await request(api.app)
      .post('/codec/encode')
      .set(await as(`op-${tag}`, 'operator'))
      .send(decoded.body)
      .expect(200);
    expect(Buffer.from(encoded.body.payloads[0].data, 'base64').toString('latin1')).not.toContain(personal.address);

    await request(api.app).post('/codec/decode').send(body).expect(401);
    await request(api.app)
      .post('/codec/decode')
      .set(await as(`manager-${tag}`, 'manager', team))
      .send(body)
      .expect(403);
    const bad = await request(api.app)
      .post('/codec/decode')
      .set(await as(`op-${tag}`, 'operator'))
      .send({ payloads: [{ data: '***' }] })
      .expect(400);
    expect(bad.body.error.details[0].field).toBe('payloads[0].data');
  });

  it('When the Web UI (and only the Web UI) calls the codec endpoint from a browser, then CORS allows it', async () => {
    const ui = await request(api.app)
      .options('/codec/decode')
      .set('Origin', 'http://localhost:8233')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,x-namespace');
    expect(ui.status).toBeLessThan(300);
    expect(ui.headers['access-control-allow-origin']).toBe('http://localhost:8233');
    expect(ui.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const other = await request(api.app).options('/codec/decode').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('When workflow ids, search attributes and memos are listed, then none carries personal data', async () => {
    const listed = [];
    for await (const wf of api.env.client.workflow.list({ query: `WorkflowId = '${visitWorkflowId(visitId)}' OR WorkflowId = '${planWorkflowId(planId)}'` })) listed.push(wf);
    const listedSorted = listed.map((w) => w.workflowId).sort();
    expect(listedSorted).toEqual([visitWorkflowId(visitId), planWorkflowId(planId)].sort());
    const described = await Promise.all(listed.map((w) => api.env.client.workflow.getHandle(w.workflowId).describe()));
    const visible = JSON.stringify(described.map((d) => ({ id: d.workflowId, type: d.type, sa: d.searchAttributes, memo: d.memo, queue: d.taskQueue })));
    for (const [what, value] of Object.entries(personal)) expect({ what, found: visible.includes(value) }).toEqual({ what, found: false });
    expect(visible).toContain(team);
  });

  it('When Prometheus scrapes /metrics after the visit escalated and was acknowledged, then the domain figures count it', async () => {
    const res = await request(api.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const value = (line: RegExp) =>
      Number(
        res.text
          .split('\n')
          .find((l) => line.test(l))
          ?.split(' ')
          .at(-1),
      );
    expect(value(/^carewatch_visit_escalations\{step="1",reason="missed-deadline"\}/)).toBeGreaterThanOrEqual(1);
    expect(value(/^carewatch_visit_time_to_acknowledge_seconds_count/)).toBeGreaterThanOrEqual(1);
    expect(res.text).toMatch(/^carewatch_visit_time_to_acknowledge_seconds\{quantile="0.8"\} \d/m);
    expect(res.text).toMatch(/^carewatch_visit_time_to_acknowledge_seconds\{quantile="0.985"\} \d/m);
    expect(value(/^carewatch_visit_deadline_to_first_alert_seconds_count/)).toBeGreaterThanOrEqual(1);
    const open = res.text.split('\n').filter((l) => l.startsWith('carewatch_visits_open{'));
    expect(open.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)).toBeGreaterThanOrEqual(1);
    expect(res.text).toMatch(/^carewatch_plan_reviews\{state="due"\} \d+/m);
    expect(res.text).toMatch(/^carewatch_plan_reviews\{state="overdue"\} \d+/m);
  });
});
