import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { toDateString } from '../../workflows/working-days';
import { eventually } from '../helpers/eventually';
import { review } from '../helpers/plans';
import { report, useStack } from '../helpers/processes';
import { livePlan } from './plans';

const stackOf = useStack();

const conflicts: string[] = [];

/** The request is refused with a 409 that says why, and what it would have changed is unchanged. */
async function refused(what: string, send: () => request.Test, read: () => Promise<unknown>) {
  const before = await read();
  const res = await send();
  expect({ what, status: res.status }).toEqual({ what, status: 409 });
  expect(res.body.error).toEqual({ code: 'conflict', message: expect.any(String) });
  expect(await read()).toEqual(before);
  conflicts.push(`${what}: "${res.body.error.message}"`);
}

test('When requests come twice or out of order through the real API process, then each is a clear 409 and nothing changes', async () => {
  const stack = stackOf();
  const api = () => request(stack.apiUrl);
  const team = 'faults-north';
  const tag = randomUUID().slice(0, 8);
  const worker = await stack.as(`worker-${tag}`, 'worker', team);
  const manager = await stack.as(`manager-${tag}`, 'manager', team);
  const visitBody = (visitId: string) => ({
    visitId,
    kind: 'home',
    riskLevel: 'high',
    clientRef: `C-${tag}`,
    location: '12 Acacia Avenue, Leeds LS1 1AA',
    eta: new Date(Date.now() + 60 * 60_000).toISOString(),
    buddy: { name: 'Bob Buddy', email: `buddy-${tag}@example.org` },
    manager: { id: `manager-${tag}` },
    secondPersonPresent: true,
  });
  const start = visitBody(randomUUID());
  const visitId = start.visitId;
  await api().post('/visits').set(worker).send(start).expect(201);
  const visit = async () => (await api().get(`/visits/${visitId}`).set(manager).expect(200)).body;
  // The timeline is recorded beside the workflow: compare once it has caught up (unchanged over 1.5 s; a loaded machine takes longer).
  const settled = () =>
    eventually(async () => {
      const v = await visit();
      await new Promise((r) => setTimeout(r, 1_500));
      return JSON.stringify(await visit()) === JSON.stringify(v) && v;
    }, 30_000);
  // The start writes a first row; the visit's own first record replaces it a moment later.
  await eventually(async () => (await visit()).timeline.length > 0);
  await refused('the same visit started twice', () => api().post('/visits').set(worker).send(start), settled);

  // Alarms and take-charge are kept at once and acted on by the visit: the next request is judged once the record shows them.
  await api().post(`/visits/${visitId}/red-flag`).set(worker).send({ reason: 'Raised voices next door' }).expect(202);
  await eventually(async () => (await visit()).visit.alert);
  await api().post(`/visits/${visitId}/acknowledge`).set(manager).expect(202);
  await eventually(async () => (await visit()).visit.alert?.owner);
  await refused('a second acknowledgement', () => api().post(`/visits/${visitId}/acknowledge`).set(manager), settled);
  const resolution = { outcome: 'false-alarm', rationale: 'Neighbours arguing; the worker was never at risk' };
  await api().post(`/visits/${visitId}/resolve`).set(manager).send(resolution).expect(200);
  await refused('acknowledge after resolve', () => api().post(`/visits/${visitId}/acknowledge`).set(manager), settled);
  await refused('resolve twice', () => api().post(`/visits/${visitId}/resolve`).set(manager).send(resolution), settled);

  const calm = visitBody(randomUUID());
  await api().post('/visits').set(worker).send(calm).expect(201);
  await api().post(`/visits/${calm.visitId}/check-in`).set(worker).send({}).expect(202);
  await api().post(`/visits/${calm.visitId}/check-out`).set(worker).send({}).expect(202);
  const listed = async () => (await api().get('/visits').set(manager).query({ status: 'closed' }).expect(200)).body.visits.filter((v: { id: string }) => v.id === calm.visitId);
  await eventually(async () => (await listed()).length === 1);
  await refused('a second check-out', () => api().post(`/visits/${calm.visitId}/check-out`).set(worker).send({}), listed);
  await refused('check-in after check-out', () => api().post(`/visits/${calm.visitId}/check-in`).set(worker).send({}), listed);

  const practitioner = await stack.as(`prac-${tag}`, 'practitioner', team);
  const planManager = await stack.as(`mgr-${tag}`, 'manager', team);
  const today = toDateString(Date.now());
  const planId = await livePlan(stack.apiUrl, practitioner, planManager);
  await refused(
    'go-live twice',
    () => api().post(`/plans/${planId}/go-live`).set(planManager),
    async () => (await api().get(`/plans/${planId}`).set(planManager).expect(200)).body.state,
  );
  const ending = review('end', today).ending!;
  await api()
    .post(`/plans/${planId}/end`)
    .set(planManager)
    .send({ ...ending, ground: 'managed_through_other_means', carePlanRef: 'CSP-1', risk: 'reduced' })
    .expect(200);
  const plan = async () => {
    const body = (await api().get(`/plans/${planId}`).set(planManager).expect(200)).body;
    return { state: body.state, timeline: body.timeline.length };
  };
  await refused('a review on an ended plan', () => api().post(`/plans/${planId}/reviews`).set(practitioner).send(review('continue_unchanged', today)), plan);

  report(`out of order: ${conflicts.length} refused with 409, state unchanged after each: ${conflicts.join('; ')}`);
});
