import { randomUUID } from 'node:crypto';
import { createVisitActivities } from '../activities/visits';
import { createDb, type Db } from '../lib/db';
import { createEmailChannel } from '../lib/mailer';
import { LINK_SECRET, PUBLIC_URL } from './helpers/temporal';

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
    const visit = {
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
    };
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
