import { createHash } from 'node:crypto';
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
/** One advisory lock for the whole chain: appends queue behind it until their transaction ends. */
const CHAIN_LOCK = 5_140_221;

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
  prevHash: string;
}

/** SHA-256 of the entry's canonical JSON, which includes the previous entry's hash. */
export function entryHash(e: Hashed): string {
  const { seq, key, at, recordedAt, actorId, actorRole, action, targetType, targetId, rationale, data, prevHash } = e;
  const content = { seq, key, at, recordedAt, actorId, actorRole, action, targetType, targetId, rationale, data: data ?? null, prevHash };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** Appends one entry inside the caller's transaction; it commits or rolls back with the record. */
export async function appendAudit(tx: Tx, input: AuditInput): Promise<void> {
  // Checked before queueing for the lock, which every append holds until its commit: the
  // unique key still refuses the rare retry that races its first attempt.
  if (input.key && (await tx.auditEntry.findUnique({ where: { key: input.key }, select: { seq: true } }))) return;
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`);
  const last = await tx.auditEntry.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
  // A JSON round trip drops undefined values and turns dates into strings, as the database will.
  const data = input.data === undefined ? null : (JSON.parse(JSON.stringify(input.data)) as object);
  const entry: Hashed = {
    seq: (last?.seq ?? 0) + 1,
    key: input.key ?? null,
    at: input.at ? new Date(input.at) : new Date(),
    recordedAt: new Date(),
    actorId: input.actor.id,
    actorRole: input.actor.role,
    action: input.action,
    targetType: input.target.type,
    targetId: input.target.id,
    rationale: input.rationale ?? null,
    data,
    prevHash: last?.hash ?? GENESIS,
  };
  await tx.auditEntry.create({ data: { ...entry, data: data ?? undefined, hash: entryHash(entry) } });
}

/** Appends one entry on its own (a read, an operator's look). */
export function audit(db: Db, input: AuditInput): Promise<void> {
  // Appends queue behind the chain lock; on a loaded machine that wait outlasts Prisma's 2 s default.
  return db.$transaction((tx) => appendAudit(tx, input), { maxWait: 15_000, timeout: 15_000 });
}

export type ChainReport =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; firstBroken: { seq: number; problem: string } };

/** Walks the whole chain in order and names the first entry whose hash or link does not hold. */
export async function verifyAuditChain(db: Db, batchSize = 1000): Promise<ChainReport> {
  let prevHash = GENESIS;
  let expectedSeq = 1;
  for (;;) {
    const rows = await db.auditEntry.findMany({ where: { seq: { gte: expectedSeq } }, orderBy: { seq: 'asc' }, take: batchSize });
    for (const row of rows) {
      const broken = (problem: string): ChainReport => ({ ok: false, entries: expectedSeq - 1, firstBroken: { seq: row.seq, problem } });
      if (row.seq !== expectedSeq) return { ok: false, entries: expectedSeq - 1, firstBroken: { seq: expectedSeq, problem: `missing: the next entry found is ${row.seq}` } };
      if (row.prevHash !== prevHash) return broken("its previous hash is not the hash of the entry before it");
      if (entryHash(row) !== row.hash) return broken('its content does not match its hash');
      prevHash = row.hash;
      expectedSeq++;
    }
    if (rows.length < batchSize) return { ok: true, entries: expectedSeq - 1, lastHash: prevHash };
  }
}
