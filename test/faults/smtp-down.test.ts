import request from 'supertest';
import { visitWorkflowId } from '../../workflows/visit-contract';
import { eventually } from '../helpers/eventually';
import { report, useStack } from '../helpers/processes';
import { copiesPerKey, deliveriesOf, FAST_POLICY, sendingFaults, startFastVisit, STEP_MS, takeCharge } from './ladder';

const stackOf = useStack();

test('When the mail relay refuses mail for a while, the ladder keeps its times, operators see the failing sends, and every message arrives once after recovery', async () => {
  const stack = stackOf();
  stack.smtp.setDown(true);
  const downAt = Date.now();
  const visit = await startFastVisit(stack);
  const workflowId = visitWorkflowId(visit.input.visitId);
  const operator = await stack.as('operator-faults', 'operator');

  // The ladder reaches the manager with the relay still down.
  const alertTimes = async () =>
    (await stack.db.visitEvent.findMany({ where: { visitId: visit.input.visitId, type: 'alert-sent' }, orderBy: { seq: 'asc' } })).map((e) => e.at.getTime());
  const during = await eventually(async () => {
    const times = await alertTimes();
    return times.length >= 3 && times;
  }, 60_000);
  expect(stack.smtp.messages.filter((m) => m.to.some((to) => to.endsWith(`-${visit.tag}@example.org`)))).toEqual([]);
  const failing = await eventually(async () => {
    const rows = await deliveriesOf(stack, visit.input.visitId);
    return rows.filter((d) => d.status === 'failed').length >= 2 && rows.filter((d) => d.status === 'failed');
  }, 30_000);
  expect(failing[0]).toMatchObject({ attempts: expect.any(Number) });
  const pending = await request(stack.apiUrl).get(`/operator/workflows/${workflowId}/pending`).set(operator).expect(200);
  const retrying = pending.body.activities.filter((a: { activityType: string; lastError: string | null }) => a.activityType === 'notifyVisitContact' && a.lastError);
  expect(retrying.length).toBeGreaterThan(0);
  expect(retrying[0].lastError).toMatch(/Relay unavailable|421/);

  stack.smtp.setDown(false);
  const upAt = Date.now();
  await takeCharge(visit.handle);
  const deliveries = await eventually(async () => {
    const rows = await deliveriesOf(stack, visit.input.visitId);
    return rows.length >= 4 && rows.every((d) => d.status === 'sent' && d.received.length) && rows;
  }, 90_000);
  const recoveredMs = Date.now() - upAt;
  await new Promise((r) => setTimeout(r, STEP_MS));
  const after = await deliveriesOf(stack, visit.input.visitId);
  expect(sendingFaults(after)).toEqual({ duplicated: [], lost: [] });
  const gaps = during.slice(1).map((t, i) => t - during[i]);
  // Each step is planned from the deadline plus grace, not from the previous send.
  const started = await stack.db.visitEvent.findFirstOrThrow({ where: { visitId: visit.input.visitId, type: 'visit-started' } });
  const ladderStart = started.at.getTime() + FAST_POLICY.checkInIntervalMs + FAST_POLICY.graceMs;
  const lateness = during.map((t, i) => t - ladderStart - i * STEP_MS);
  for (const late of lateness) {
    expect(late).toBeGreaterThanOrEqual(-100);
    expect(late).toBeLessThan(2_000);
  }
  report(
    `SMTP down ${upAt - downAt} ms: ladder steps ${gaps.join('/')} ms apart for ${STEP_MS} ms waits while down (late ${lateness.join('/')} ms against their planned times); ${failing.length} deliveries recorded failed with "${failing[0].lastError ?? ''}", ` +
      `${retrying.length} retrying sends listed by /operator/.../pending (attempt ${Math.max(...retrying.map((a: { attempt: number }) => a.attempt))}); ` +
      `all ${deliveries.length} delivered ${recoveredMs} ms after recovery, max ${Math.max(...copiesPerKey(after))} copy per key, max ${Math.max(...after.map((d) => d.attempts))} attempts`,
  );
});
