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
  // Late only by the time no worker was running: a restarted worker waits out what is left of
  // the dead one's sticky queue (the SDK's 10 s schedule-to-start, counted from the timer that
  // fired while no worker ran; measured 5.1 s alone and 8.1 s twice in CI), plus its own task.
  expect(firstAfter.at - Math.max(dueAt, run.upAt)).toBeLessThan(11_000);
  const steady = run.gaps.filter((_, i) => run.alerts[i + 1] !== firstAfter && run.alerts[i + 1].at > firstAfter.at);
  expect(Math.max(...steady)).toBeLessThan(STEP_MS + 3_000);
  report(
    `worker SIGKILL: down ${run.upAt - run.downAt} ms; first alert after restart ${firstAfter.at - dueAt} ms after it fell due (${firstAfter.at - run.upAt} ms after the worker was ready); ` +
      `later gaps ${steady.join('/')} ms for ${STEP_MS} ms steps; ${run.deliveries.length} deliveries, copies per key max ${Math.max(...copiesPerKey(run.deliveries))}`,
  );
});
