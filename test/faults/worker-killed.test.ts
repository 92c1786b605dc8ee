import { temporal } from '@temporalio/proto';
import { eventMs } from '../../operations/history';
import { report, useStack } from '../helpers/processes';
import { copiesPerKey, ladderThroughFault, STEP_MS } from './ladder';

const stackOf = useStack();

test('When the worker is SIGKILLed mid-ladder and restarted, the ladder goes on from where it was and every alert is sent exactly once', async () => {
  const stack = stackOf();
  const run = await ladderThroughFault(stack, async () => {
    const downAt = Date.now();
    const killed = await stack.worker.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    // The manager's first alert falls due while no worker runs.
    await new Promise((r) => setTimeout(r, STEP_MS + 1_000));
    await stack.startWorker();
    return { downAt, upAt: Date.now() };
  });
  // worker, buddy, manager (its repeats may be caught up as one), then on-call twice.
  expect(run.alerts.length).toBeGreaterThanOrEqual(5);
  const firstAfter = run.alerts.find((a) => a.at >= run.upAt)!;
  const dueAt = run.alerts[run.alerts.indexOf(firstAfter) - 1].at + STEP_MS;
  // Late only by the time no worker was running, plus the wait for the dead worker's workflow
  // task to be given up on: 10 s from when it started it (the task's start-to-close, killed
  // mid-task) or from when its sticky queue got it (schedule-to-start, killed between tasks);
  // measured 5.1 s alone and 8.1 s twice in CI, counted from when the worker was ready.
  expect(firstAfter.at - Math.max(dueAt, run.upAt)).toBeLessThan(11_000);
  // That wait, read in the visit's history: the dead worker's task timed out, one way or the
  // other, and the next went to the shared queue, where the new worker took it.
  const events = (await run.visit.handle.fetchHistory()).events ?? [];
  const at = new Map(events.map((e) => [String(e.eventId), eventMs(e)]));
  const { TIMEOUT_TYPE_START_TO_CLOSE, TIMEOUT_TYPE_SCHEDULE_TO_START } = temporal.api.enums.v1.TimeoutType;
  const taskWaits = events.flatMap((e) => {
    const t = e.workflowTaskTimedOutEventAttributes;
    if (t?.timeoutType === TIMEOUT_TYPE_START_TO_CLOSE) return [eventMs(e) - at.get(String(t.startedEventId))!];
    if (t?.timeoutType === TIMEOUT_TYPE_SCHEDULE_TO_START) return [eventMs(e) - at.get(String(t.scheduledEventId))!];
    return [];
  });
  expect(taskWaits.length).toBeGreaterThanOrEqual(1);
  for (const waited of taskWaits) expect(waited).toBeGreaterThanOrEqual(9_000);
  const steady = run.gaps.filter((_, i) => run.alerts[i + 1] !== firstAfter && run.alerts[i + 1].at > firstAfter.at);
  expect(Math.max(...steady)).toBeLessThan(STEP_MS + 3_000);
  report(
    `worker SIGKILL: down ${run.upAt - run.downAt} ms; first alert after restart ${firstAfter.at - dueAt} ms after it fell due (${firstAfter.at - run.upAt} ms after the worker was ready); ` +
      `dead worker's task given up after ${taskWaits.join('/')} ms; later gaps ${steady.join('/')} ms for ${STEP_MS} ms steps; ${run.deliveries.length} deliveries, copies per key max ${Math.max(...copiesPerKey(run.deliveries))}`,
  );
});
