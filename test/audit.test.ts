import { randomUUID } from 'node:crypto';
import { appendAudit, audit, chainAuditEntries, verifyAuditChain } from '../lib/audit';
import type { Db } from '../lib/db';
import { eventually } from './helpers/eventually';
import { testDb } from './helpers/temporal';

/** Changes entries the way only a superuser can: with triggers switched off for the session. */
async function asSuperuser(db: Db, ...statements: [string, ...unknown[]][]) {
  await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SET LOCAL session_replication_role = replica');
    for (const [sql, ...values] of statements) await tx.$executeRawUnsafe(sql, ...values);
  });
}

/** What the worker's chainer loop does, run to the end. */
async function chainAll(db: Db) {
  while ((await chainAuditEntries(db)) > 0);
}

describe('The audit trail (PostgreSQL)', () => {
  let db: Db;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(() => db.$disconnect());

  const actor = { id: 'mgr-1', role: 'manager' };
  const entriesOf = (targetId: string) => db.auditEntry.findMany({ where: { targetId }, orderBy: { position: 'asc' } });
  /** The target's entries once all are chained: another test file's open transaction may hold the chainer back a moment. */
  const chainedEntriesOf = (targetId: string) =>
    eventually(async () => {
      await chainAll(db);
      const rows = await entriesOf(targetId);
      return rows.every((r) => r.position !== null) && rows;
    }, 30_000);

  /** Three chained entries about one target; tampering uses the middle one, never the chain's tail. */
  async function chainedThree() {
    const target = { type: 'plan', id: randomUUID() };
    for (const rationale of ['The adult asked for a copy', 'Risks reduced', 'Reviewed']) await audit(db, { actor, action: 'plan.decided', target, rationale });
    return chainedEntriesOf(target.id);
  }

  it('When twenty entries are appended at once, then once chained the chain never forks and verifies whole', async () => {
    const target = { type: 'visit', id: randomUUID() };
    await Promise.all(Array.from({ length: 20 }, (_, i) => audit(db, { actor, action: 'visit.read', target, data: { i } })));
    const rows = await chainedEntriesOf(target.id);
    expect(rows).toHaveLength(20);
    const all = await db.auditEntry.findMany({ where: { position: { not: null } }, orderBy: { position: 'asc' }, select: { position: true, prevHash: true, hash: true } });
    all.slice(1).forEach((row, i) => expect(row.prevHash).toBe(all[i].hash));
    expect(new Set(all.map((r) => r.prevHash)).size).toBe(all.length);
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true });
  });

  /** Runs `during` while a recording transaction that appended `target`'s entry is still open, then commits it. */
  async function whileOpen(target: { type: string; id: string }, during: () => Promise<void>) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const openAppended = new Promise<void>((resolve) => (appended = resolve));
    const open = db.$transaction(
      async (tx) => {
        await appendAudit(tx, { actor, action: 'visit.started', target });
        appended();
        await held;
      },
      { timeout: 20_000 },
    );
    try {
      await openAppended;
      await during();
    } finally {
      release();
      await open;
    }
  }

  it('When a recording transaction is still open, then another appends and commits without waiting for it', async () => {
    await whileOpen({ type: 'visit', id: randomUUID() }, async () => {
      const started = Date.now();
      await db.$transaction((tx) => appendAudit(tx, { actor, action: 'visit.checked-in', target: { type: 'visit', id: randomUUID() } }), { maxWait: 5_000, timeout: 3_000 });
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });

  it('When a recording transaction is still open, then entries written after it wait to be chained, not to be written; once it commits all are chained in order', async () => {
    const early = { type: 'visit', id: randomUUID() };
    const late = { type: 'visit', id: randomUUID() };
    await whileOpen(early, async () => {
      await audit(db, { actor, action: 'visit.read', target: late });
      await chainAll(db);
      // Chaining it now would let the open one commit behind it.
      await expect(entriesOf(late.id)).resolves.toMatchObject([{ position: null }]);
      const report = await verifyAuditChain(db);
      expect(report).toMatchObject({ ok: true });
      expect(report.pending).toBeGreaterThanOrEqual(1);
    });
    const [[earlyRow], [lateRow]] = await Promise.all([chainedEntriesOf(early.id), chainedEntriesOf(late.id)]);
    expect(earlyRow.position).toBeLessThan(lateRow.position!);
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true });
  });

  it('When an entry with the same key is appended twice, also at once (a retried activity), then it is recorded once', async () => {
    const key = `test:${randomUUID()}`;
    const entry = { key, actor, action: 'plan.reviewed', target: { type: 'plan', id: 'p-1' }, rationale: 'Risks reduced' };
    await db.$transaction((tx) => appendAudit(tx, entry));
    await db.$transaction((tx) => appendAudit(tx, entry));
    const racing = `test:${randomUUID()}`;
    await Promise.all([1, 2, 3].map(() => db.$transaction((tx) => appendAudit(tx, { ...entry, key: racing }))));
    await expect(db.auditEntry.count({ where: { key } })).resolves.toBe(1);
    await expect(db.auditEntry.count({ where: { key: racing } })).resolves.toBe(1);
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

  it('When anyone updates, deletes or truncates an entry, chained or not, then the database refuses', async () => {
    const targetId = randomUUID();
    await audit(db, { actor, action: 'plan.read', target: { type: 'plan', id: targetId } });
    await expect(db.auditEntry.updateMany({ where: { targetId }, data: { actorId: 'someone-else' } })).rejects.toThrow(/append-only/);
    await expect(db.auditEntry.updateMany({ where: { targetId }, data: { actorId: 'someone-else', position: 1_000_000_000, prevHash: 'x', hash: 'y' } })).rejects.toThrow(
      /append-only/,
    );
    await chainAll(db);
    await expect(db.auditEntry.updateMany({ where: { targetId }, data: { hash: 'f'.repeat(64) } })).rejects.toThrow(/append-only/);
    await expect(db.auditEntry.deleteMany({ where: { targetId } })).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe('TRUNCATE "AuditEntry"')).rejects.toThrow(/append-only/);
    await expect(db.auditEntry.findMany({ where: { targetId } })).resolves.toMatchObject([{ actorId: 'mgr-1' }]);
  });

  it('When a superuser rewrites an entry behind the trigger, then the verifier names that entry; restoring it mends the chain', async () => {
    const [, tampered] = await chainedThree();
    try {
      await asSuperuser(db, ['UPDATE "AuditEntry" SET rationale = $1 WHERE seq = $2', 'No reason given', tampered.seq]);
      await expect(verifyAuditChain(db)).resolves.toMatchObject({
        ok: false,
        firstBroken: { position: tampered.position, seq: tampered.seq, problem: expect.stringMatching(/does not match its hash/) },
      });
    } finally {
      await asSuperuser(db, ['UPDATE "AuditEntry" SET rationale = $1 WHERE seq = $2', tampered.rationale, tampered.seq]);
    }
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true });
  });

  it('When a superuser removes a chained entry, then the verifier names its place as missing; putting it back mends the chain', async () => {
    const [, removed] = await chainedThree();
    try {
      await asSuperuser(db, ['DELETE FROM "AuditEntry" WHERE seq = $1', removed.seq]);
      await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: false, firstBroken: { position: removed.position, problem: expect.stringMatching(/^missing/) } });
    } finally {
      await asSuperuser(db, [
        `INSERT INTO "AuditEntry" (seq, key, at, "recordedAt", "actorId", "actorRole", action, "targetType", "targetId", rationale, data, position, "prevHash", hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14)`,
        removed.seq,
        removed.key,
        removed.at,
        removed.recordedAt,
        removed.actorId,
        removed.actorRole,
        removed.action,
        removed.targetType,
        removed.targetId,
        removed.rationale,
        removed.data === null ? null : JSON.stringify(removed.data),
        removed.position,
        removed.prevHash,
        removed.hash,
      ]);
    }
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true });
  });

  it('When a superuser swaps two chained entries, then the verifier names the first out of place; swapping back mends the chain', async () => {
    const [first, second] = await chainedThree();
    // Through a negative position: the unique index refuses two entries at one place even for a moment.
    const place = (atFirst: typeof first, atSecond: typeof first): [string, ...unknown[]][] => [
      ['UPDATE "AuditEntry" SET position = -position WHERE seq = $1', atFirst.seq],
      ['UPDATE "AuditEntry" SET position = $1 WHERE seq = $2', second.position, atSecond.seq],
      ['UPDATE "AuditEntry" SET position = $1 WHERE seq = $2', first.position, atFirst.seq],
    ];
    try {
      await asSuperuser(db, ...place(second, first));
      await expect(verifyAuditChain(db)).resolves.toMatchObject({
        ok: false,
        firstBroken: { position: first.position, seq: second.seq, problem: expect.stringMatching(/previous hash/) },
      });
    } finally {
      await asSuperuser(db, ...place(first, second));
    }
    await expect(verifyAuditChain(db)).resolves.toMatchObject({ ok: true });
  });
});
