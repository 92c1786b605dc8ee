import { testBackend } from '../setup/global-setup';
import { report, useStack } from '../helpers/processes';
import { ladderThroughFault, STEP_MS } from './ladder';

// The real server's PostgreSQL: the cluster when the run asks for it, else one node.
const stackOf = useStack({ temporal: testBackend() === 'cluster' ? 'cluster' : 'server' });

const DOWN_MS = 5_000;

test("When the Temporal server's PostgreSQL restarts mid-ladder, the ladder goes on and every alert is sent exactly once", async () => {
  const stack = stackOf();
  const run = await ladderThroughFault(stack, async () => {
    const downAt = Date.now();
    await stack.stopTemporalPostgres();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await stack.startTemporalPostgres();
    return { downAt, upAt: Date.now() };
  });
  // Late by the outage and the server's reconnection, no more.
  expect(run.afterUpMs).toBeLessThan(30_000);
  expect(stack.temporalNodes.every((n) => n.running())).toBe(true);
  report(
    `Temporal's PostgreSQL (${stack.temporalBackend}) down ${((run.upAt - run.downAt) / 1000).toFixed(1)} s mid-ladder: first alert due after the stop arrived ${(run.lateMs / 1000).toFixed(1)} s late ` +
      `(${(run.afterUpMs / 1000).toFixed(1)} s after PostgreSQL was back); gaps ${run.gaps.map((g) => (g / 1000).toFixed(1)).join('/')} s for ${STEP_MS / 1000} s steps; ${run.deliveries.length} deliveries, each exactly once`,
  );
});
