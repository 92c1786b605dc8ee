import { randomUUID } from 'node:crypto';
import type { VisitRow } from '../activities/contract';
import { createVisitActivities } from '../activities/visits';
import { createDb, type Db } from '../lib/db';
import { createEmailChannel } from '../lib/mailer';
import { LINK_SECRET, PUBLIC_URL } from './helpers/temporal';

/** A visit's row as the workflow sends it with every event. */
function visitRow(id: string, overrides: Partial<VisitRow> = {}): VisitRow {
  const now = new Date().toISOString();
  return {
    id,
    workflowId: `visit-${id}`,
    workerId: 'w-1',
    team: 'pool-test',
    managerId: 'm-1',
    buddyId: null,
    kind: 'home',
    riskLevel: 'low',
    clientRef: 'C-1',
    status: 'active',
    plannedStartAt: null,
    startedAt: now,
    eta: now,
    nextDueAt: now,
    lastCheckInAt: null,
    escalationLevel: 0,
    incidentReason: null,
    incidentOwner: null,
    riskReviewRequested: false,
    closedAt: null,
    ...overrides,
  };
}

describe('Recording a visit event when every pooled connection is busy (PostgreSQL)', () => {
  let db: Db;
  beforeAll(() => {
    db = createDb(process.env.TEST_DATABASE_URL!, { poolSize: 1 });
  });
  afterAll(() => db.$disconnect());

  it('When the only connection is held for 3 s, then the event waits for it and is recorded, not failed after 2 s (P2028)', async () => {
    const channel = createEmailChannel('smtp://127.0.0.1:1', 'CareWatch <no-reply@carewatch.test>');
    const { recordVisitEvent } = createVisitActivities({ db, channel, publicUrl: PUBLIC_URL, linkSecret: LINK_SECRET });
    const id = randomUUID();
    const now = new Date().toISOString();
    const visit = visitRow(id);
    try {
      const busy = db.$transaction(
        async (tx) => {
          await tx.$executeRawUnsafe('SELECT pg_sleep(3)');
        },
        { timeout: 10_000 },
      );
      await new Promise((r) => setTimeout(r, 200));
      await recordVisitEvent({ seq: 1, type: 'started', actor: { id: 'w-1', role: 'worker' }, at: now, visibleToWorker: true, visit });
      await busy;
      await expect(db.visitEvent.count({ where: { visitId: id } })).resolves.toBe(1);
    } finally {
      channel.close();
    }
  });
});

describe('Recording visit events in one statement (PostgreSQL)', () => {
  let db: Db;
  let channel: ReturnType<typeof createEmailChannel>;
  let recordVisitEvent: ReturnType<typeof createVisitActivities>['recordVisitEvent'];
  beforeAll(() => {
    db = createDb(process.env.TEST_DATABASE_URL!, { poolSize: 4 });
    channel = createEmailChannel('smtp://127.0.0.1:1', 'CareWatch <no-reply@carewatch.test>');
    ({ recordVisitEvent } = createVisitActivities({ db, channel, publicUrl: PUBLIC_URL, linkSecret: LINK_SECRET }));
  });
  afterAll(async () => {
    channel.close();
    await db.$disconnect();
  });

  const event = (seq: number, visit: VisitRow, type: string) => ({
    seq,
    type,
    actor: { id: 'carewatch', role: 'system' },
    at: new Date(Date.parse('2026-03-29T00:30:00.000Z') + seq * 1000).toISOString(),
    reason: seq === 2 ? 'missed-deadline' : undefined,
    data: { step: seq },
    visibleToWorker: seq !== 3,
    visit,
  });

  it('When events land out of order and one twice, then the row is the newest, each event and its audit entry are written once, with their times', async () => {
    const id = randomUUID();
    const first = visitRow(id, { status: 'open', eta: '2026-03-29T01:15:00.250Z', state: { phase: 'in-progress' } });
    const second = visitRow(id, { status: 'escalating', escalationLevel: 1, eta: '2026-03-29T01:15:00.250Z', nextDueAt: null, state: { phase: 'in-progress', alert: true } });
    const third = visitRow(id, { status: 'incident', escalationLevel: 2, closedAt: '2026-03-29T02:00:00.000Z' });
    // Newest first, then the older ones (one of them retried): none may take the row back.
    await recordVisitEvent(event(3, third, 'alert-sent'));
    await Promise.all([recordVisitEvent(event(1, first, 'visit-started')), recordVisitEvent(event(2, second, 'alert-sent'))]);
    await recordVisitEvent(event(2, second, 'alert-sent'));

    const row = await db.visit.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'incident', escalationLevel: 2, lastSeq: 3, closedAt: new Date('2026-03-29T02:00:00.000Z'), eta: new Date(third.eta) });
    // The newest event carried no state (as from a visit started before it was kept): older ones cannot put theirs in.
    expect(row.state).toBeNull();
    const events = await db.visitEvent.findMany({ where: { visitId: id }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.seq, e.type, e.at.toISOString(), e.reason, e.data, e.visibleToWorker])).toEqual([
      [1, 'visit-started', '2026-03-29T00:30:01.000Z', null, { step: 1 }, true],
      [2, 'alert-sent', '2026-03-29T00:30:02.000Z', 'missed-deadline', { step: 2 }, true],
      [3, 'alert-sent', '2026-03-29T00:30:03.000Z', null, { step: 3 }, false],
    ]);
    expect(Math.abs(events[0].createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    const entries = await db.auditEntry.findMany({ where: { targetType: 'visit', targetId: id }, orderBy: { key: 'asc' } });
    expect(entries.map((e) => [e.key, e.action, e.at.toISOString(), e.data])).toEqual([
      [`visit:${id}:1`, 'visit.visit-started', '2026-03-29T00:30:01.000Z', { status: 'open', escalationLevel: 0 }],
      [`visit:${id}:2`, 'visit.alert-sent', '2026-03-29T00:30:02.000Z', { status: 'escalating', escalationLevel: 1 }],
      [`visit:${id}:3`, 'visit.alert-sent', '2026-03-29T00:30:03.000Z', { status: 'incident', escalationLevel: 2 }],
    ]);
  });

  it('When an older event lands on a row that has state, then its state is kept, and a newer one with state replaces it', async () => {
    const id = randomUUID();
    await recordVisitEvent(event(2, visitRow(id, { status: 'escalating', state: { seen: 2 } }), 'alert-sent'));
    await recordVisitEvent(event(1, visitRow(id, { status: 'open', state: { seen: 1 } }), 'visit-started'));
    await expect(db.visit.findUniqueOrThrow({ where: { id } })).resolves.toMatchObject({ status: 'escalating', state: { seen: 2 }, lastSeq: 2 });
    await recordVisitEvent(event(3, visitRow(id, { status: 'closed', state: { seen: 3 } }), 'checked-out'));
    await expect(db.visit.findUniqueOrThrow({ where: { id } })).resolves.toMatchObject({ status: 'closed', state: { seen: 3 }, lastSeq: 3 });
  });
});
