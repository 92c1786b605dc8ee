import { createHash } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import type { Db } from './db';

/** A transaction client: entries are written in the same transaction as what they describe. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface AuditInput {
  /** Deterministic for a recorded change, so a retried activity appends it once; omit for reads. */
  key?: string;
  /** When it was decided or seen; defaults to now. */
  at?: Date | string;
  actor: { id: string; role: string };
  action: string;
  target: { type: string; id: string };
  rationale?: string | null;
  /** Categories and identifiers only; never names, addresses or free text about the adult. */
  data?: Record<string, unknown>;
}

/** The actor of what the service does on its own (timers firing, messages going out). */
export const SYSTEM = { id: 'carewatch', role: 'system' } as const;

const GENESIS = '0'.repeat(64);
/** Entries the chainer links in one transaction at most. */
const CHAIN_BATCH = 500;
/** Held only by the chainer, never by a recording transaction: one chainer links at a time. */
const CHAINER_LOCK = 5_140_221;

/** JSON with object keys sorted at every level: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

interface Hashed {
  seq: number;
  key: string | null;
  at: Date;
  recordedAt: Date;
  actorId: string;
  actorRole: string;
  action: string;
  targetType: string;
  targetId: string;
  rationale: string | null;
  data: unknown;
}

/** SHA-256 of the entry's canonical JSON, which includes the previous entry's hash. */
export function entryHash(e: Hashed, prevHash: string): string {
  const { seq, key, at, recordedAt, actorId, actorRole, action, targetType, targetId, rationale, data } = e;
  const content = { seq, key, at, recordedAt, actorId, actorRole, action, targetType, targetId, rationale, data: data ?? null, prevHash };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

type Writer = Pick<Tx, '$executeRaw'>;

/**
 * One entry's insert as a single statement, to run alone or as the last part of a caller's
 * statement (visit events): no lock and no read of the chain, so a recording transaction
 * never waits for another's. A key already written (a retried activity, or a retry racing
 * its first attempt) makes it a no-op. Raw SQL: Prisma's createMany wraps its one insert in
 * BEGIN and COMMIT, three round trips on the hot path instead of one.
 */
export function auditInsert(input: AuditInput): Prisma.Sql {
  const at = (input.at ? new Date(input.at) : new Date()).toISOString();
  const data = input.data === undefined ? null : JSON.stringify(input.data);
  return Prisma.sql`INSERT INTO "AuditEntry" ("key", "at", "recordedAt", "actorId", "actorRole", "action", "targetType", "targetId", "rationale", "data")
    VALUES (${input.key ?? null}, ${at}::timestamptz, ${new Date().toISOString()}::timestamptz, ${input.actor.id}, ${input.actor.role}, ${input.action},
            ${input.target.type}, ${input.target.id}, ${input.rationale ?? null}, ${data}::jsonb)
    ON CONFLICT DO NOTHING`;
}

async function writeEntry(client: Writer, input: AuditInput): Promise<void> {
  await client.$executeRaw(auditInsert(input));
}

/** Appends one entry inside the caller's transaction; it commits or rolls back with the record. */
export function appendAudit(tx: Tx, input: AuditInput): Promise<void> {
  return writeEntry(tx, input);
}

/** Appends one entry on its own (a read, an operator's look): one statement. */
export function audit(db: Db, input: AuditInput): Promise<void> {
  return writeEntry(db, input);
}

/**
 * Links the next committed, unchained entries into the chain (at most `batchSize`); returns
 * how many. Only entries whose writing transaction has ended (below the snapshot's xmin) are
 * taken, so an entry that commits later never belongs before one already chained: it simply
 * gets a later position. A second chainer finds the lock taken and links nothing.
 */
export async function chainAuditEntries(db: Db, batchSize = CHAIN_BATCH): Promise<number> {
  // One statement on the unchained entries' index when there is nothing to link (most rounds), not a transaction of four.
  const [{ pending }] = await db.$queryRaw<{ pending: boolean }[]>`SELECT EXISTS (SELECT 1 FROM "AuditEntry" WHERE "position" IS NULL) AS pending`;
  if (!pending) return 0;
  return db.$transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRawUnsafe<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(${CHAINER_LOCK}) AS locked`);
      if (!locked) return 0;
      const due = await tx.$queryRawUnsafe<{ seq: number }[]>(
        `SELECT seq FROM "AuditEntry" WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY seq LIMIT ${Number(batchSize)}`,
      );
      if (due.length === 0) return 0;
      const last = await tx.auditEntry.findFirst({ where: { position: { not: null } }, orderBy: { position: 'desc' }, select: { position: true, hash: true } });
      const entries = await tx.auditEntry.findMany({ where: { seq: { in: due.map((d) => d.seq) } }, orderBy: { seq: 'asc' } });
      let position = last?.position ?? 0;
      let prevHash = last?.hash ?? GENESIS;
      const links = entries.map((entry) => {
        const link = { seq: entry.seq, position: ++position, prevHash, hash: entryHash(entry, prevHash) };
        prevHash = link.hash;
        return link;
      });
      await tx.$executeRawUnsafe(
        `UPDATE "AuditEntry" e SET position = l.position, "prevHash" = l.prev, hash = l.hash
           FROM unnest($1::int[], $2::int[], $3::text[], $4::text[]) AS l(seq, position, prev, hash) WHERE e.seq = l.seq`,
        links.map((l) => l.seq),
        links.map((l) => l.position),
        links.map((l) => l.prevHash),
        links.map((l) => l.hash),
      );
      return links.length;
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}

export interface AuditChainer {
  stop(): Promise<void>;
}

/**
 * The one writer of the chain, run by the worker: links what is committed, and when it has
 * caught up waits `intervalMs` before looking again. A failed round is reported and retried.
 */
export function startAuditChainer(db: Db, options: { intervalMs?: number; onError?: (err: unknown) => void } = {}): AuditChainer {
  const intervalMs = options.intervalMs ?? 250;
  let stopping = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopping) {
      let linked = 0;
      try {
        linked = await chainAuditEntries(db);
      } catch (err) {
        options.onError?.(err);
      }
      // Only a full batch means more are waiting; after a partial one, a round per interval
      // links whatever arrived in it together (seven statements a round, not seven per entry).
      if (linked < CHAIN_BATCH && !stopping) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, intervalMs).unref();
        });
      }
    }
  })();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}

export type ChainReport =
  | { ok: true; entries: number; lastHash: string; pending: number }
  | { ok: false; entries: number; firstBroken: { position: number; seq?: number; problem: string }; pending: number };

/**
 * Walks the chain in order and names the first position whose entry is missing or whose
 * hash or link does not hold. `pending` counts entries written but not chained yet (the
 * chainer links them within a second while a worker runs).
 */
export async function verifyAuditChain(db: Db, batchSize = 1000): Promise<ChainReport> {
  let prevHash = GENESIS;
  let expected = 1;
  const pending = () => db.auditEntry.count({ where: { position: null } });
  for (;;) {
    const rows = await db.auditEntry.findMany({ where: { position: { gte: expected } }, orderBy: { position: 'asc' }, take: batchSize });
    for (const row of rows) {
      const broken = async (position: number, problem: string, seq?: number): Promise<ChainReport> => ({
        ok: false,
        entries: expected - 1,
        firstBroken: { position, seq, problem },
        pending: await pending(),
      });
      if (row.position !== expected) return broken(expected, `missing: the next entry found is at position ${row.position}`);
      if (row.prevHash !== prevHash) return broken(expected, 'its previous hash is not the hash of the entry before it', row.seq);
      if (entryHash(row, prevHash) !== row.hash) return broken(expected, 'its content does not match its hash', row.seq);
      prevHash = row.hash;
      expected++;
    }
    if (rows.length < batchSize) return { ok: true, entries: expected - 1, lastHash: prevHash, pending: await pending() };
  }
}
