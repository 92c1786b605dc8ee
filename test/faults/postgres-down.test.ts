import request from 'supertest';
import { writeStartedVisitRow } from '../../api/http/visit-row';
import { visitWorkflowV3 } from '../../workflows/visit';
import { checkInSignal, raiseRedFlagSignal, visitStartOptions } from '../../workflows/visit-contract';
import { eventually } from '../helpers/eventually';
import { report, useStack } from '../helpers/processes';
import { count, requestedNow, visitInput } from '../helpers/visits';
import { copiesPerKey, deliveriesOf, sendingFaults } from './ladder';

const stackOf = useStack();

test('When PostgreSQL is down, the API answers writes with 503 and a clear message; the workflow goes on and, once it is back, nothing it did is missing', async () => {
  const stack = stackOf();
  const api = () => request(stack.apiUrl);
  const { input: planned, mail } = visitInput({ startMs: Date.now() });
  const input = requestedNow(planned);
  const handle = await stack.client.workflow.start(visitWorkflowV3, { ...visitStartOptions(input), taskQueue: stack.taskQueue });
  const worker = await stack.as(input.worker.id!, 'worker', input.team);
  // Started beside the API, so written as the API's start writes it: requests are authorised from the row.
  await writeStartedVisitRow(stack.db, input);
  await api().post(`/visits/${input.visitId}/check-in`).set(worker).send({}).expect(202);
  await eventually(() => stack.db.visitEvent.count({ where: { visitId: input.visitId, type: 'checked-in' } }));

  await stack.stopPostgres();
  const downAt = Date.now();
  const writes = [
    () => api().post(`/visits/${input.visitId}/check-in`).set(worker).send({}),
    () => api().post(`/visits/${input.visitId}/red-flag`).set(worker).send({ reason: 'Shouting upstairs' }),
    () =>
      api()
        .post(`/visits/${input.visitId}/extend`)
        .set(worker)
        .send({ eta: new Date(Date.now() + 90 * 60_000).toISOString(), reason: 'Client needs more time' }),
  ];
  const answers = [];
  let slowestMs = 0;
  for (const write of writes) {
    const sentAt = Date.now();
    answers.push(await write());
    slowestMs = Math.max(slowestMs, Date.now() - sentAt);
  }
  for (const res of answers) {
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error).toEqual({ code: 'database_unavailable', message: expect.stringContaining('nothing was recorded') });
  }
  // Straight to Temporal meanwhile: accepted, with recording and mail left to activities that retry.
  const actor = { id: input.worker.id!, role: 'worker', name: input.worker.name };
  await handle.signal(checkInSignal, { actor });
  await handle.signal(raiseRedFlagSignal, { actor, reason: 'Shouting upstairs' });
  await new Promise((r) => setTimeout(r, 6_000));
  const restartAt = Date.now();
  await stack.startPostgres();
  const upAt = Date.now();

  // Each event is recorded by its own activity, retried on its own timer once the database is
  // back, so they land in any order: wait for every kind the visit owes by now, then check the numbering.
  const events = await eventually(async () => {
    const rows = await stack.db.visitEvent.findMany({ where: { visitId: input.visitId }, orderBy: { seq: 'asc' } });
    return (
      rows.some((e) => e.type === 'alert-sent') &&
      rows.some((e) => e.type === 'red-flag-raised') &&
      count(
        rows.map((e) => e.type),
        'checked-in',
      ) === 2 &&
      rows
    );
  }, 90_000);
  const recordedMs = Date.now() - upAt;
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  await stack.smtp.waitFor(1, (m) => m.to.includes(mail('buddy')), 90_000);
  await stack.smtp.waitFor(1, (m) => m.to.includes(mail('manager')), 30_000);
  const deliveredMs = Date.now() - upAt;
  const deliveries = await deliveriesOf(stack, input.visitId);
  expect(sendingFaults(deliveries)).toEqual({ duplicated: [], lost: [] });
  expect(Math.max(...deliveries.map((d) => d.attempts))).toBeGreaterThan(0);
  await api()
    .post(`/visits/${input.visitId}/acknowledge`)
    .set(await stack.as(input.manager.id!, 'manager', input.team))
    .expect(202);
  report(
    `PostgreSQL down ${upAt - downAt} ms (restart ${upAt - restartAt} ms): ${answers.filter((r) => r.status === 503).length}/${answers.length} API writes answered 503 database_unavailable, slowest in ${slowestMs} ms; ` +
      `${events.length} visit events recorded without a gap ${recordedMs} ms after it came back; red-flag alerts delivered ${deliveredMs} ms after, ${Math.max(...copiesPerKey(deliveries))} copy per key`,
  );
});
