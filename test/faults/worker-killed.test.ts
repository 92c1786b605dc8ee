import { report, useStack } from '../helpers/processes';
import { alertsReceived, copiesPerKey, sendingFaults, deliveriesOf, startFastVisit, STEP_MS, takeCharge } from './ladder';

const stackOf = useStack();

test('When the worker is SIGKILLed mid-ladder and restarted, the ladder goes on from where it was and every alert is sent exactly once', async () => {
  const stack = stackOf();
  const visit = await startFastVisit(stack);
  await stack.smtp.waitFor(1, (m) => m.to.includes(visit.mail('buddy')), 30_000);
  const killedAt = Date.now();
  const killed = await stack.worker.stop('SIGKILL');
  expect(killed.signal).toBe('SIGKILL');
  // The manager's first alert falls due while no worker runs.
  await new Promise((r) => setTimeout(r, STEP_MS + 1_000));
  await stack.startWorker();
  const restartedAt = Date.now();
  await stack.smtp.waitFor(2, (m) => m.to.includes(visit.mail('oncall')), 60_000);
  await takeCharge(visit.handle);
  // Anything still in flight has time to (wrongly) arrive twice.
  await new Promise((r) => setTimeout(r, STEP_MS));

  const deliveries = await deliveriesOf(stack, visit.input.visitId);
  const alerts = alertsReceived(deliveries);
  expect(alerts.map((a) => a.to)).toEqual([
    visit.mail('worker'),
    visit.mail('buddy'),
    visit.mail('manager'),
    visit.mail('manager'),
    ...alerts.slice(4).map(() => visit.mail('oncall')),
  ]);
  expect(alerts.length).toBeGreaterThanOrEqual(6);
  expect(sendingFaults(deliveries)).toEqual({ duplicated: [], lost: [] });
  const gaps = alerts.slice(1).map((a, i) => a.at - alerts[i].at);
  // Never early; late only by the time no worker was running.
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(STEP_MS - 250);
  const firstAfter = alerts.find((a) => a.at >= restartedAt)!;
  const dueAt = alerts[alerts.indexOf(firstAfter) - 1].at + STEP_MS;
  const downMs = restartedAt - killedAt;
  // A restarted worker waits out the dead one's sticky queue (5 s schedule-to-start) before it gets the task.
  expect(firstAfter.at - Math.max(dueAt, restartedAt)).toBeLessThan(8_000);
  const steady = gaps.filter((_, i) => alerts[i + 1] !== firstAfter && alerts[i + 1].at > firstAfter.at);
  expect(Math.max(...steady)).toBeLessThan(STEP_MS + 3_000);
  report(
    `worker SIGKILL: down ${downMs} ms; first alert after restart ${firstAfter.at - dueAt} ms after it fell due (${firstAfter.at - restartedAt} ms after the worker was ready); ` +
      `later gaps ${steady.join('/')} ms for ${STEP_MS} ms steps; ${deliveries.length} deliveries, copies per key max ${Math.max(...copiesPerKey(deliveries))}`,
  );
});
