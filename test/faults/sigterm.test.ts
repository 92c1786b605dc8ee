import http from 'node:http';
import { temporal } from '@temporalio/proto';
import { eventually } from '../helpers/eventually';
import { report, useStack } from '../helpers/processes';
import { copiesPerKey, deliveriesOf, sendingFaults, startFastVisit, takeCharge } from './ladder';

const stackOf = useStack();
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

/** A check-in whose body is still arriving: the request is in flight until `finish` is called. */
function slowCheckIn(url: string, visitId: string, headers: Record<string, string>) {
  const req = http.request(`${url}/visits/${visitId}/check-in`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
  req.write('{');
  return { answered, finish: () => req.end('}') };
}

test('When the API gets SIGTERM, the request in flight is answered, new ones are refused, and it exits 0', async () => {
  const stack = stackOf();
  const visit = await startFastVisit(stack);
  const worker = await stack.as(visit.input.worker.id, 'worker', visit.input.team);
  const inFlight = slowCheckIn(stack.apiUrl, visit.input.visitId, worker);
  await new Promise((r) => setTimeout(r, 300));
  const stopping = stack.api.stop('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  const refused = await fetch(`${stack.apiUrl}/healthz`).then(
    () => 'answered',
    (err: Error) => err.message,
  );
  inFlight.finish();
  const answer = await inFlight.answered;
  const exit = await stopping;
  // A check-in is a signal: kept by Temporal before the answer, acted on by the visit.
  expect(answer.status).toBe(202);
  expect(JSON.parse(answer.body)).toMatchObject({ visitId: visit.input.visitId, accepted: 'check-in' });
  expect(refused).not.toBe('answered');
  expect(exit).toMatchObject({ code: 0, signal: null });
  // Well inside the 10 s after which api/main.ts gives up waiting (on 2 busy cores).
  expect(exit.ms).toBeLessThan(8_000);
  await takeCharge(visit.handle).catch(() => undefined);
  await stack.startApi();
  report(`API SIGTERM: in-flight check-in answered ${answer.status} after the signal, new connections refused, exit code ${exit.code} in ${exit.ms} ms`);
});

test('When the worker gets SIGTERM with a send in flight, it finishes the send, exits 0, and the ladder goes on after a restart', async () => {
  const stack = stackOf();
  const visit = await startFastVisit(stack);
  // The reminder's send blocks on this lock, so the worker is stopped with an activity running.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const holding = stack.db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe('LOCK TABLE "NotificationDelivery" IN ACCESS EXCLUSIVE MODE');
      await released;
    },
    { timeout: 60_000 },
  );
  await eventually(async () => {
    const { raw } = await visit.handle.describe();
    return raw.pendingActivities?.some((a) => a.activityType?.name === 'notifyVisitContact' && a.state === STARTED);
  }, 30_000);
  const stopping = stack.worker.stop('SIGTERM');
  await new Promise((r) => setTimeout(r, 1_000));
  expect(stack.worker.child.exitCode).toBeNull();
  release();
  await holding;
  const exit = await stopping;
  expect(exit).toMatchObject({ code: 0, signal: null });
  // Delivered before the process was gone, not by its successor.
  expect(stack.smtp.messages.filter((m) => m.to.includes(visit.mail('worker'))).map((m) => m.subject)).toHaveLength(1);
  await stack.startWorker();
  await stack.smtp.waitFor(1, (m) => m.to.includes(visit.mail('buddy')), 60_000);
  await takeCharge(visit.handle);
  const deliveries = await deliveriesOf(stack, visit.input.visitId);
  expect(sendingFaults(deliveries)).toEqual({ duplicated: [], lost: [] });
  report(
    `worker SIGTERM: the send in flight finished and was delivered, exit code ${exit.code} ${exit.ms} ms after the signal (1000 ms of it blocked on purpose); ladder resumed after restart, ${Math.max(...copiesPerKey(deliveries))} copy per key`,
  );
});
