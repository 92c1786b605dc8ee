import request from 'supertest';
import { visitStateQuery } from '../../workflows/visit-contract';
import { eventually } from '../helpers/eventually';
import { report, useStack } from '../helpers/processes';
import { livePlan } from './plans';
import { copiesPerKey, deliveriesOf, sendingFaults, FAST_POLICY, startFastVisit, takeCharge } from './ladder';

const stackOf = useStack();

const DUE_MS = 12_000;

test("When Temporal (the dev server on its file, or the real server's nodes) stops and restarts, timers still fire and nothing accepted before the stop is lost", async () => {
  const stack = stackOf();
  const api = () => request(stack.apiUrl);
  const team = 'faults-restart';
  const practitioner = await stack.as('prac-restart', 'practitioner', team);
  const manager = await stack.as('mgr-restart', 'manager', team);
  const planId = await livePlan(stack.apiUrl, practitioner, manager);
  await api().post(`/plans/${planId}/actions/a1/complete`).set(practitioner).send({ note: 'Met the bank on Tuesday' }).expect(200);

  const visit = await startFastVisit(stack, { ...FAST_POLICY, checkInIntervalMs: DUE_MS });
  const worker = await stack.as(visit.input.worker.id, 'worker', visit.input.team);
  await api().post(`/visits/${visit.input.visitId}/check-in`).set(worker).send({}).expect(202);
  // Kept at once, recorded by the visit's next workflow task.
  const checkedIn = await eventually(async () => {
    const seen = (await api().get(`/visits/${visit.input.visitId}`).set(worker).expect(200)).body.visit;
    return seen.lastCheckInAt && seen;
  });
  const overdueAt = Date.parse(checkedIn.lastCheckInAt) + DUE_MS + FAST_POLICY.graceMs;

  await stack.stopTemporal();
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, 4_000));
  await stack.startTemporal();
  const upAt = Date.now();

  const overdue = await eventually(
    async () => (await deliveriesOf(stack, visit.input.visitId)).find((d) => d.template === 'visit-overdue-worker' && d.received.length)?.received[0],
    60_000,
  );
  const lateMs = overdue.receivedAt.getTime() - overdueAt;
  expect(lateMs).toBeGreaterThan(-1_000);
  expect(lateMs).toBeLessThan(15_000);
  const seen = await eventually(async () => {
    const res = await api().get(`/visits/${visit.input.visitId}`).set(worker);
    return res.status === 200 && res.body;
  }, 30_000);
  expect(seen.visit.lastCheckInAt).toBe(checkedIn.lastCheckInAt);
  const plan = (await api().get(`/plans/${planId}`).set(manager).expect(200)).body;
  expect(plan.state.status).toBe('live');
  expect(plan.timeline.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['went_live', 'action_completed']));
  // The ladder goes on from the restarted server's timers: the buddy is next.
  await stack.smtp.waitFor(1, (m) => m.to.includes(visit.mail('buddy')), 60_000);
  const state = await visit.handle.query(visitStateQuery);
  expect(state.incident).toMatchObject({ reason: 'missed-deadline', alerted: expect.arrayContaining(['buddy']) });
  await takeCharge(visit.handle);
  const deliveries = await deliveriesOf(stack, visit.input.visitId);
  expect(sendingFaults(deliveries)).toEqual({ duplicated: [], lost: [] });
  report(
    `Temporal (${stack.temporalBackend}) down ${upAt - downAt} ms (restart included): the overdue timer fired ${lateMs} ms after it was due (${overdue.receivedAt.getTime() - upAt} ms after the server was back); ` +
      `check-in, go-live and action completion accepted before the stop all present after; ${Math.max(...copiesPerKey(deliveries))} copy per key`,
  );
});
