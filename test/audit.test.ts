import { randomUUID } from 'node:crypto';
import { appendAudit, audit, verifyAuditChain } from '../lib/audit';
import type { Db } from '../lib/db';
import { testDb } from './helpers/temporal';

/** Changes one entry the way only a superuser can: with triggers switched off for the session. */
async function asSuperuser(db: Db, sql: string, ...values: unknown[]) {
  await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
    await tx.$executeRawUnsafe(sql, ...values);
  });
}

describe('The audit trail (PostgreSQL)', () => {
  let db: Db;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(() => db.$disconnect());

  const actor = { id: 'mgr-1', role: 'manager' };

  it('When twenty entries are appended at once, then the chain never forks and verifies whole', async () => {
    const target = { type: 'visit', id: randomUUID() };
    await Promise.all(Array.from({ length: 20 }, (_, i) => audit(db, { actor, action: 'visit.read', target, data: { i } })));
    const rows = await db.auditEntry.findMany({ where: { targetId: target.id }, orderBy: { seq: 'asc' } });
    expect(rows).toHaveLength(20);
    const all = await db.auditEntry.findMany({ orderBy: { seq: 'asc' }, select: { seq: true, prevHash: true, hash: true } });
    all.slice(1).forEach((row, i) => expect(row.prevHash).toBe(all[i].hash));
    expect(new Set(all.map((r) => r.prevHash)).size).toBe(all.length);
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true, entries: all.length });
  });

  it('When an entry with the same key is appended twice (a retried activity), then it is recorded once', async () => {
    const key = `test:${randomUUID()}`;
    const entry = { key, actor, action: 'plan.reviewed', target: { type: 'plan', id: 'p-1' }, rationale: 'Risks reduced' };
    await db.$transaction((tx) => appendAudit(tx, entry));
    await db.$transaction((tx) => appendAudit(tx, entry));
    await expect(db.auditEntry.count({ where: { key } })).resolves.toBe(1);
  });

  it('When the record it describes rolls back, then the entry rolls back with it', async () => {
    const targetId = randomUUID();
    await expect(
      db.$transaction(async (tx) => {
        await appendAudit(tx, { actor, action: 'visit.resolved', target: { type: 'visit', id: targetId } });
        throw new Error('the record failed');
      }),
    ).rejects.toThrow('the record failed');
    await expect(db.auditEntry.count({ where: { targetId } })).resolves.toBe(0);
  });

  it('When anyone updates, deletes or truncates an entry, then the database refuses', async () => {
    const targetId = randomUUID();
    await audit(db, { actor, action: 'plan.read', target: { type: 'plan', id: targetId } });
    await expect(db.auditEntry.updateMany({ where: { targetId }, data: { actorId: 'someone-else' } })).rejects.toThrow(/append-only/);
    await expect(db.auditEntry.deleteMany({ where: { targetId } })).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe('TRUNCATE "AuditEntry"')).rejects.toThrow(/append-only/);
    await expect(db.auditEntry.findMany({ where: { targetId } })).resolves.toMatchObject([{ actorId: 'mgr-1' }]);
  });

  it('When a superuser rewrites an entry behind the trigger, then the verifier names that entry; restoring it mends the chain', async () => {
    const targetId = randomUUID();
    await audit(db, { actor, action: 'plan.decided', target: { type: 'plan', id: targetId }, rationale: 'The adult asked for a copy' });
    await audit(db, { actor, action: 'plan.read', target: { type: 'plan', id: targetId } });
    const [tampered] = await db.auditEntry.findMany({ where: { targetId }, orderBy: { seq: 'asc' } });
    try {
      await asSuperuser(db, 'UPDATE "AuditEntry" SET rationale = $1 WHERE seq = $2', 'No reason given', tampered.seq);
      await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: false, firstBroken: { seq: tampered.seq, problem: expect.stringMatching(/does not match its hash/) } });
    } finally {
      await asSuperuser(db, 'UPDATE "AuditEntry" SET rationale = $1 WHERE seq = $2', tampered.rationale, tampered.seq);
    }
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true });
  });
});
