import { randomUUID } from 'node:crypto';
import { ServiceError, type Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../api/app';
import type { AppDeps } from '../api/deps';
import { createLogger } from '../lib/logger';
import { connectDevServer, createHarness, createTestWorker, LINK_SECRET, PUBLIC_URL, testPayloadKeys, type Harness } from './helpers/temporal';
import { eventually } from './helpers/eventually';
import { directoryParties, eventsOf, startBody } from './helpers/visits';
import { visitStateQuery } from '../workflows/visit-contract';

// Red flags, duress check-outs and take-charges are the most urgent things a user sends: each
// must be kept the moment Temporal has it, answered at once with no worker running, survive an
// API restart and be acted on when a worker is back (issue 15, holes 1 and 2).
describe('Alarms durable on arrival (dev server, PostgreSQL, SMTP; the worker stopped and started)', () => {
  let env: TestWorkflowEnvironment;
  let harness: Harness;
  let deps: AppDeps;
  let worker: { instance: Worker; running: Promise<void> } | null = null;

  async function startWorker() {
    const instance = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
    worker = { instance, running: instance.run() };
  }
  async function stopWorker() {
    worker?.instance.shutdown();
    await worker?.running;
    worker = null;
  }
  /** A fresh API process: nothing it held in memory survives. */
  const restartedApi = (temporal: Client = env.client, answerWaitMs?: number): Express =>
    createApp({ ...deps, temporal, config: { ...deps.config, ...(answerWaitMs === undefined ? {} : { REQUEST_ANSWER_WAIT_MS: answerWaitMs }) } });

  beforeAll(async () => {
    env = await connectDevServer();
    harness = await createHarness();
    deps = {
      config: { TEMPORAL_TASK_QUEUE: harness.taskQueue, TEMPORAL_NAMESPACE: env.namespace ?? 'default', PUBLIC_URL, LINK_SIGNING_SECRET: LINK_SECRET, ...testPayloadKeys() },
      temporal: env.client,
      db: harness.db,
      channel: harness.channel,
      log: createLogger('api-test', { level: 'silent', env: 'production' }),
    };
    await startWorker();
  });
  afterAll(async () => {
    await stopWorker();
    await harness?.close();
    await env?.teardown();
  });

  async function startVisit(app: Express, overrides: Record<string, unknown> = {}) {
    const tag = randomUUID().slice(0, 8);
    const { worker } = await directoryParties(tag);
    const res = await request(app)
      .post('/visits')
      .set(worker)
      .send(startBody(tag, { manager: { id: `manager-${tag}` }, duressCode: '9911', ...overrides }))
      .expect(201);
    return { visitId: res.body.visitId as string, worker, mail: (role: string) => `${role}-${tag}@example.org` };
  }

  /** The answer and how long it took. */
  async function timed(send: () => request.Test) {
    const at = Date.now();
    const res = await send();
    return { res, ms: Date.now() - at };
  }

  const linkIn = (text: string) => /http:\/\/carewatch\.test(\/visits\/ack\/\S+)/.exec(text)![1];

  it('When no worker runs, then a red flag, a take-charge link and a duress check-out are each answered within a second, survive an API restart and are acted on once a worker is back', async () => {
    let app = restartedApi();
    const { visitId, worker: me, mail } = await startVisit(app);
    await eventsOf(harness.db, visitId, (t) => t.includes('visit-started'));

    await stopWorker();
    const redFlag = await timed(() => request(app).post(`/visits/${visitId}/red-flag`).set(me).send({ reason: 'Client blocking the door' }));
    expect(redFlag.res.status).toBe(202);
    expect(redFlag.ms).toBeLessThan(1_000);
    app = restartedApi();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(harness.smtp.messages.filter((m) => m.to[0] === mail('buddy'))).toHaveLength(0);

    await startWorker();
    const [alert] = await harness.smtp.waitFor(1, (m) => m.to[0] === mail('buddy') && m.subject.startsWith('RED FLAG'), 30_000);
    await harness.smtp.waitFor(1, (m) => m.to[0] === mail('manager') && m.subject.startsWith('RED FLAG'), 30_000);
    await eventsOf(harness.db, visitId, (t) => t.includes('alert-sent'));

    await stopWorker();
    const link = linkIn(alert.text);
    const taken = await timed(() => request(app).post(link).set('Accept', 'application/json'));
    expect(taken.res.status).toBe(202);
    expect(taken.ms).toBeLessThan(1_000);
    expect(taken.res.body.owner).toMatchObject({ role: 'buddy', name: 'Bob Buddy' });
    const checkOut = await timed(() => request(app).post(`/visits/${visitId}/check-out`).set(me).send({ code: '9911' }));
    expect(checkOut.res.status).toBe(202);
    expect(checkOut.ms).toBeLessThan(1_000);
    expect(checkOut.res.body).toEqual({ visitId, accepted: 'check-out', at: expect.any(String) });
    app = restartedApi();

    await startWorker();
    const events = await eventsOf(harness.db, visitId, (t) => t.includes('acknowledged') && t.includes('duress-code-used'), 30_000);
    expect(events.find((e) => e.type === 'acknowledged')).toMatchObject({ actorRole: 'buddy' });
    await harness.smtp.waitFor(1, (m) => m.to[0] === mail('manager') && m.subject.startsWith('Bob Buddy has taken charge'), 30_000);
    const silent = await harness.smtp.waitFor(2, (m) => [mail('buddy'), mail('manager')].includes(m.to[0]) && m.subject.startsWith('SILENT ALARM'), 30_000);
    expect(silent.map((m) => m.to[0]).sort()).toEqual([mail('buddy'), mail('manager')]);
    const mine = await request(app).get(`/visits/${visitId}`).set(me).expect(200);
    expect(mine.body.visit).toMatchObject({ status: 'closed', incident: null });
  });

  it('When taking charge through a link fails to reach Temporal, then the link is still usable; once it worked it is refused', async () => {
    const app = restartedApi();
    const { visitId, worker: me, mail } = await startVisit(app);
    await request(app).post(`/visits/${visitId}/red-flag`).set(me).send({ reason: 'Raised voices next door' }).expect(202);
    const [alert] = await harness.smtp.waitFor(1, (m) => m.to[0] === mail('buddy') && m.subject.startsWith('RED FLAG'), 30_000);
    await eventsOf(harness.db, visitId, (t) => t.includes('alert-sent'));
    const link = linkIn(alert.text);
    const tokenOf = async () => harness.db.ackToken.findFirstOrThrow({ where: { visitId, recipientRole: 'buddy' } });

    const unreachable = {
      workflow: { getHandle: () => ({ signal: () => Promise.reject(new ServiceError('Temporal unreachable', { cause: Object.assign(new Error('UNAVAILABLE'), { code: 14 }) })) }) },
    };
    const failed = await request(restartedApi(unreachable as unknown as Client))
      .post(link)
      .set('Accept', 'application/json')
      .expect(503);
    expect(failed.body.error.code).toBe('temporal_busy');
    expect((await tokenOf()).usedAt).toBeNull();

    await request(app).post(link).set('Accept', 'application/json').expect(202);
    expect((await tokenOf()).usedAt).not.toBeNull();
    await eventsOf(harness.db, visitId, (t) => t.includes('acknowledged'));
    const again = await request(app).post(link).set('Accept', 'application/json').expect(409);
    expect(again.body.error.message).toBe('This link has already been used');
  });

  it("When no worker runs, not even for the visit's start, then a request the visit must decide is kept and answered 202 with where its answer will be; once a worker is back, the answer is there for whoever asked", async () => {
    let app = restartedApi(env.client, 300);
    // Stopped before the start, so the requests reach the visit in its first workflow task, before
    // its handlers are set: they were once refused as "this case takes no extend request".
    await stopWorker();
    const { visitId, worker: me } = await startVisit(app);
    await eventsOf(harness.db, visitId, (t) => t.includes('visit-started'));
    const { body: visit } = await request(app).get(`/visits/${visitId}`).set(me).expect(200);
    const later = (minutes: number) => new Date(Date.parse(visit.visit.eta) + minutes * 60_000).toISOString();

    const asked = await timed(() =>
      request(app)
        .post(`/visits/${visitId}/extend`)
        .set(me)
        .send({ eta: later(20), reason: 'Client upset' }),
    );
    expect(asked.res.status).toBe(202);
    expect(asked.ms).toBeLessThan(1_500);
    expect(asked.res.body).toEqual({ requestId: expect.any(String), status: 'pending', location: `/requests/${asked.res.body.requestId}` });
    expect(asked.res.headers.location).toBe(asked.res.body.location);
    const tooLong = await request(app)
      .post(`/visits/${visitId}/extend`)
      .set(me)
      .send({ eta: later(24 * 60), reason: 'Staying the night' })
      .expect(202);
    expect((await request(app).get(asked.res.body.location).set(me).expect(200)).body).toMatchObject({ name: 'extend', status: 'pending', result: null });
    app = restartedApi();

    await startWorker();
    const answered = async (location: string) => {
      for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
        const { body } = await request(app).get(location).set(me).expect(200);
        if (body.status !== 'pending') return body;
      }
      throw new Error(`${location} was not answered within 30 s of the worker's return`);
    };
    expect(await answered(asked.res.body.location)).toMatchObject({ status: 'done', result: { eta: later(20), extensions: { count: 1 } }, answeredAt: expect.any(String) });
    expect(await answered(tooLong.body.location)).toMatchObject({ status: 'refused', message: expect.stringContaining('at most') });
    const { manager } = await directoryParties(randomUUID().slice(0, 8));
    await request(app).get(asked.res.body.location).set(manager).expect(403);
    // With a worker running, the same request is answered at once.
    const now = await request(app)
      .post(`/visits/${visitId}/extend`)
      .set(me)
      .send({ eta: later(30), reason: 'Still upset' })
      .expect(200);
    expect(now.body).toMatchObject({ eta: later(30), extensions: { count: 2 } });
  });

  it('When no worker runs as a visit starts, then its clock still starts at the request: once a worker is back, the first check-in is due when the row says, not later', async () => {
    const app = restartedApi();
    await stopWorker();
    const { visitId } = await startVisit(app, { riskLevel: 'high', secondPersonPresent: true });
    const row = await harness.db.visit.findUniqueOrThrow({ where: { id: visitId } });
    expect(row.nextDueAt!.getTime() - row.startedAt!.getTime()).toBe(30 * 60_000);
    // The worker process is back two seconds later: a visit clocked from its first task would be due two seconds late.
    await new Promise((r) => setTimeout(r, 2_000));
    await startWorker();
    // A query is refused until the visit's first workflow task has completed.
    const state = await eventually(() =>
      env.client.workflow
        .getHandle(row.workflowId)
        .query(visitStateQuery)
        .catch(() => null),
    );
    expect(state.startedAt).toBe(row.startedAt!.toISOString());
    expect(Date.parse(state.nextDueAt!)).toBe(row.nextDueAt!.getTime());
  });
});
