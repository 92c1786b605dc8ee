import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { parse } from 'yaml';
import { writeVisitRecord } from '../activities/visits';
import type { AppDeps } from '../api/deps';
import { metricsRoutes } from '../api/routes/metrics';
import type { Db } from '../lib/db';
import { eventRecordOf, firstVisitRecord, firstVisitState, nextAlarmMsOf, visitWorkflowId, type VisitState } from '../workflows/visit-contract';
import { testDb } from './helpers/temporal';
import { asWorker, MIN, visitInput } from './helpers/visits';

const DAY = 24 * 60 * MIN;

/** The value of an unlabelled metric in a scrape. */
function valueOf(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not in the scrape`);
  return Number(line.split(' ').at(-1));
}

// The database is shared with the other suites, and on a developer's machine with their
// earlier runs, so the rows here are older than anything those leave: the oldest figures are
// this suite's own.
describe('What /metrics says the service is late with (PostgreSQL)', () => {
  let db: Db;
  let app: express.Express;
  const scrape = async () => (await request(app).get('/metrics').expect(200)).text;

  beforeAll(() => {
    db = testDb();
    // A worker whose metrics do not answer, as when it is down.
    app = express().use(metricsRoutes({ db, config: { WORKER_METRICS_URL: 'http://127.0.0.1:1/metrics' } } as unknown as AppDeps));
  });
  afterAll(() => db.$disconnect());

  it('When a visit owes an alarm whose time passed, then it is counted with how late it is, until a newer decision is recorded', async () => {
    // Started ten years ago and never run by any worker: its first alert fell due then, after its check-in and grace.
    const startMs = Date.now() - 3650 * DAY;
    const { input } = visitInput({ startMs });
    const first = firstVisitRecord({ ...input, requestedAt: new Date(startMs).toISOString() });
    await writeVisitRecord(db, first);
    const lateMs = Date.now() - (startMs + input.policy.checkInIntervalMs! + input.policy.graceMs);

    const before = await scrape();
    expect(valueOf(before, 'carewatch_visit_alarms_overdue')).toBeGreaterThanOrEqual(1);
    expect(valueOf(before, 'carewatch_visit_alarm_overdue_seconds')).toBeGreaterThanOrEqual(lateMs / 1000 - 1);

    // Its next decision (here: the worker checked out) replaces the promise with what the visit owes then: nothing.
    const closedAt = new Date().toISOString();
    const closed: VisitState = { ...firstVisitState(input, startMs), phase: 'ended', status: 'closed', closedAt };
    const numbered = { workflowId: visitWorkflowId(input.visitId), seq: 2, at: closedAt, visibleToWorker: true };
    const checkOut = { type: 'checked-out', ...asWorker(input), details: {} };
    await writeVisitRecord(db, eventRecordOf(input, closed, numbered, checkOut, nextAlarmMsOf(input, closed, { ladder: null, awaitingWorker: false })));
    expect(await db.visit.findUniqueOrThrow({ where: { id: input.visitId } })).toMatchObject({ nextAlarmAt: null });
    expect(valueOf(await scrape(), 'carewatch_visit_alarm_overdue_seconds')).toBeLessThan(lateMs / 1000 - 1);
  });

  it('When a message has been failing for hours, then it is counted with its age until it is sent; one from before the last day is not', async () => {
    const row = (hoursAgo: number) => ({
      idempotencyKey: `metrics-${randomUUID()}`,
      channel: 'email',
      recipient: 'nobody@example.org',
      template: 'visit-alert',
      subject: 'A test message',
      subjectType: 'visit',
      subjectId: randomUUID(),
      status: 'failed',
      attempts: 3,
      createdAt: new Date(Date.now() - hoursAgo * 60 * MIN),
    });
    // Just inside the window, so no message other suites left undelivered is older.
    const failing = await db.notificationDelivery.create({ data: row(23.9) });
    await db.notificationDelivery.create({ data: row(30) });

    const before = await scrape();
    expect(valueOf(before, 'carewatch_notifications_unsent')).toBeGreaterThanOrEqual(1);
    const oldest = valueOf(before, 'carewatch_notification_unsent_seconds');
    expect(oldest).toBeGreaterThanOrEqual(23.9 * 3600 - 60);
    expect(oldest).toBeLessThan(24 * 3600);

    await db.notificationDelivery.update({ where: { id: failing.id }, data: { status: 'sent', sentAt: new Date() } });
    expect(valueOf(await scrape(), 'carewatch_notification_unsent_seconds')).toBeLessThan(23.9 * 3600 - 60);
  });

  it('When the shipped alerting rules are read, then every metric they page on is one /metrics serves', async () => {
    const rules = parse(fs.readFileSync(path.join(__dirname, '..', 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const served = new Set([...(await scrape()).matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]));
    const paged = rules.groups.flatMap((g) => g.rules).flatMap((r) => [...r.expr.matchAll(/carewatch_\w+/g)].map((m) => m[0]));
    expect(paged).toEqual(expect.arrayContaining(['carewatch_visit_alarm_overdue_seconds', 'carewatch_notification_unsent_seconds']));
    expect(paged.filter((name) => !served.has(name))).toEqual([]);
  });
});
