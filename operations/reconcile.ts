import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { PlanChange, VisitEventRecord, VisitNotification } from '../activities/contract';
import { createPlanActivities } from '../activities/plans';
import { appendAudit, type Tx } from '../lib/audit';
import type { Db } from '../lib/db';
import { planStateQuery, type PlanState } from '../workflows/plan-contract';
import { visitStateQuery, type VisitState } from '../workflows/visit-contract';
import { fetchRuns, localActivityMarks, recordedActivities, type HistoryEvent } from './history';
import { kindOf } from './workflows';

export interface Difference {
  /** record-missing, field-differs, event-missing, event-unexplained, audit-missing */
  problem: string;
  detail: string;
}

export interface Reconciliation {
  workflowId: string;
  kind: 'visit' | 'plan';
  /** Records still being written (activities pending): the record may lag the workflow for now. */
  inFlight: number;
  differences: Difference[];
  /** Events history recorded that the database lacks (visit sequence numbers or plan change keys). */
  missing: string[];
}

/** Re-syncs are the operator's writes, not the workflow's: history does not know them. */
const RESYNC = 'resync:';

const caseIdOf = (workflowId: string) => workflowId.replace(/^(visit|plan)-/, '');

/** The workflow's state from a query, or null when no worker can answer for it. */
async function stateOf<T>(client: Client, workflowId: string, query: typeof visitStateQuery | typeof planStateQuery): Promise<T | null> {
  return (client.workflow.getHandle(workflowId).query(query as never) as Promise<T>).catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) throw err;
    return null;
  });
}

function compareFields(row: Record<string, unknown>, expected: Record<string, unknown>): Difference[] {
  const norm = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? null));
  return Object.entries(expected)
    .filter(([k, v]) => norm(row[k]) !== norm(v))
    .map(([k, v]) => ({ problem: 'field-differs', detail: `${k}: the record says ${JSON.stringify(norm(row[k]))}, the workflow ${JSON.stringify(norm(v))}` }));
}

/** The columns of a visit row that follow the workflow's state. */
export function visitStateColumns(s: VisitState) {
  const owner = s.incident?.owner;
  return {
    status: s.status,
    eta: new Date(s.eta),
    nextDueAt: s.nextDueAt ? new Date(s.nextDueAt) : null,
    startedAt: s.startedAt ? new Date(s.startedAt) : null,
    lastCheckInAt: s.lastCheckInAt ? new Date(s.lastCheckInAt) : null,
    closedAt: s.closedAt ? new Date(s.closedAt) : null,
    escalationLevel: s.escalationLevel,
    incidentReason: s.incident?.reason ?? null,
    incidentOwner: owner ? `${owner.name} (${owner.role})` : null,
    riskReviewRequested: s.riskReviewRequested,
  };
}

interface Recorded {
  /** Visit event numbers or plan change keys whose record history says was written. */
  done: Set<string>;
  /** Records still being written (activities pending), or ahead of history (local activities). */
  pending: Set<string>;
}

/** What history says the workflow recorded, across every run (`carrier`: an activity type whose input may carry a record, as a visit's sends do). */
async function recordedRefs(client: Client, runs: HistoryEvent[][], type: string, carrier?: string): Promise<Recorded> {
  type Written = { seq?: number; key?: string; earlier?: { seq: number }[] };
  type Input = Written & { record?: Written };
  // A record writes the events it carries (`earlier`) with its own.
  const refsOf = (input: Written | undefined) => [String(input?.seq ?? input?.key ?? ''), ...(input?.earlier ?? []).map((e) => String(e.seq))];
  const done = new Set<string>();
  const pending = new Set<string>();
  const add = (outcome: string, input: Written | undefined) => refsOf(input).forEach((ref) => (outcome === 'completed' ? done : pending).add(ref));
  for (const r of await recordedActivities<Input>(client, runs, [type])) add(r.outcome, r.input);
  // A send that carries its event writes it before sending: done once the send completed;
  // one that gave up has it written by an activity of its own (counted above).
  const carried = carrier ? (await recordedActivities<Input>(client, runs, [carrier])).filter((r) => r.input?.record) : [];
  for (const r of carried) add(r.outcome, r.input!.record);
  for (const ref of done) pending.delete(ref);
  const carriedRefs = new Set(carried.flatMap((r) => refsOf(r.input!.record)));
  // Visit events recorded as local activities leave a marker without their input. The workflow
  // numbers its events 1, 2, 3… as it records them and a workflow task ends only once its local
  // activities have, so n completed markers are the first n events no send carried.
  const marks = localActivityMarks(runs, [type]).filter((m) => !m.failure);
  for (let seq = 1, left = marks.length; left > 0; seq++) {
    if (carriedRefs.has(String(seq))) continue;
    done.add(String(seq));
    left--;
  }
  return { done, pending };
}

/** History's records against the rows and the audit trail. */
function compareRecords(recorded: Recorded, auditKey: (ref: string) => string, rows: Set<string>, audited: Set<string>, open: boolean) {
  const differences: Difference[] = [];
  const missing = [...recorded.done].filter((ref) => !rows.has(ref));
  for (const ref of missing) differences.push({ problem: 'event-missing', detail: `history recorded ${ref}; the database has no such event` });
  for (const ref of recorded.done) {
    if (!audited.has(auditKey(ref))) differences.push({ problem: 'audit-missing', detail: `no audit entry ${auditKey(ref)}` });
  }
  let inFlight = recorded.pending.size;
  for (const ref of rows) {
    if (recorded.done.has(ref) || recorded.pending.has(ref)) continue;
    // A local activity's row is written before its marker reaches history, and a visit's start
    // by its starter before the workflow's copy rides on its next activity.
    if (open && /^\d+$/.test(ref)) inFlight++;
    else differences.push({ problem: 'event-unexplained', detail: `the database has event ${ref}; history never recorded it` });
  }
  return { differences, inFlight, missing };
}

/** One workflow against its database record and audit trail. */
export async function reconcileWorkflow(client: Client, db: Db, workflowId: string): Promise<Reconciliation> {
  const kind = kindOf(workflowId);
  if (!kind) throw new Error(`${workflowId} is not a visit or plan workflow`);
  const id = caseIdOf(workflowId);
  const runs = await fetchRuns(client, workflowId);
  const open = (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  const recorded = kind === 'visit' ? await recordedRefs(client, runs, 'recordVisitEvent', 'notifyVisitContact') : await recordedRefs(client, runs, 'recordPlanChange');
  const auditKey = (ref: string) => (kind === 'visit' ? `visit:${id}:${ref}` : `plan:${ref}`);
  const audited = new Set((await db.auditEntry.findMany({ where: { key: { in: [...recorded.done].map(auditKey) } }, select: { key: true } })).map((a) => a.key ?? ''));
  const row =
    kind === 'visit'
      ? await db.visit.findUnique({ where: { id }, include: { events: { select: { seq: true } } } })
      : await db.plan.findUnique({ where: { id }, include: { events: { select: { key: true } } } });
  const rows = new Set<string>(
    kind === 'visit'
      ? ((row as { events: { seq: number }[] } | null)?.events ?? []).map((e) => String(e.seq))
      : ((row as { events: { key: string }[] } | null)?.events ?? []).map((e) => e.key).filter((k) => !k.startsWith(RESYNC)),
  );
  const { differences, inFlight, missing } = compareRecords(recorded, auditKey, rows, audited, open);
  if (!row) differences.unshift({ problem: 'record-missing', detail: `no ${kind === 'visit' ? 'Visit' : 'Plan'} row ${id}` });
  if (row && !inFlight) {
    if (kind === 'visit') {
      const state = await stateOf<VisitState>(client, workflowId, visitStateQuery);
      if (state) differences.push(...compareFields(row, visitStateColumns(state)));
    } else {
      const state = await stateOf<PlanState>(client, workflowId, planStateQuery);
      if (state) differences.push(...compareFields(row, { status: state.status, nextReviewDate: state.review?.dueDate ?? null }));
    }
  }
  return { workflowId, kind, inFlight, differences, missing };
}

/** Many workflows; only those that differ (or could not be checked) are reported. */
export async function reconcileMany(client: Client, db: Db, workflowIds: string[]) {
  const reports: (Reconciliation | { workflowId: string; error: string })[] = [];
  for (const id of workflowIds) reports.push(await reconcileWorkflow(client, db, id).catch((err: Error) => ({ workflowId: id, error: err.message })));
  const differing = reports.filter((r) => 'error' in r || r.differences.length);
  return { checked: reports.length, differing: differing.length, reports: differing };
}

export interface ResyncDeps {
  client: Client;
  db: Db;
  /** Writes a visit event exactly as the worker would (idempotent by sequence number). */
  recordVisitEvent: (event: VisitEventRecord) => Promise<void>;
}

/**
 * Visit events the database lost, written again from their audit entries (the entry holds the
 * type, actor, time and reason, but not the details or whether the worker may see it): they
 * come back hidden from the worker, since a duress event must never reach the worker's screen.
 */
async function restoreVisitEventsFromAudit(tx: Tx, visitId: string, seqs: string[]): Promise<number> {
  const entries = await tx.auditEntry.findMany({ where: { key: { in: seqs.map((seq) => `visit:${visitId}:${seq}`) } } });
  for (const a of entries) {
    await tx.visitEvent.create({
      data: {
        visitId,
        seq: Number(a.key!.split(':').at(-1)),
        type: a.action.replace(/^visit\./, ''),
        actorId: a.actorId,
        actorRole: a.actorRole,
        at: a.at,
        reason: a.rationale,
        data: { restoredFromAuditEntry: a.seq },
        visibleToWorker: false,
      },
    });
  }
  return entries.length;
}

/**
 * Re-sync the database record from the workflow: events the database lost are written again
 * (from history where it holds their input, otherwise from the audit trail), then the row
 * takes the state the workflow answers with. The operator, their reason and what was repaired
 * are audited with the write.
 */
export async function resyncWorkflow(deps: ResyncDeps, workflowId: string, operator: { id: string; role: string }, reason: string) {
  const { client, db } = deps;
  const before = await reconcileWorkflow(client, db, workflowId);
  const id = caseIdOf(workflowId);
  if (before.kind === 'visit') {
    const runs = await fetchRuns(client, workflowId);
    const events = [
      ...(await recordedActivities<VisitEventRecord>(client, runs, ['recordVisitEvent'])).flatMap((r) => (r.outcome === 'completed' && r.input ? [r.input] : [])),
      // A send that carried its event holds it whole in its input too.
      ...(await recordedActivities<VisitNotification>(client, runs, ['notifyVisitContact'])).flatMap((r) => (r.outcome === 'completed' && r.input?.record ? [r.input.record] : [])),
    ];
    for (const event of events) await deps.recordVisitEvent(event);
    const state = await client.workflow.getHandle(workflowId).query(visitStateQuery);
    const present = new Set((await db.visitEvent.findMany({ where: { visitId: id }, select: { seq: true } })).map((e) => String(e.seq)));
    await db.$transaction(async (tx) => {
      const restored = await restoreVisitEventsFromAudit(
        tx,
        id,
        before.missing.filter((seq) => !present.has(seq)),
      );
      await tx.visit.update({ where: { id }, data: visitStateColumns(state) });
      await appendAudit(tx, {
        actor: operator,
        action: 'operator.resync',
        target: { type: 'visit', id },
        rationale: reason,
        data: { repaired: before.differences.map((d) => d.problem), restoredFromAudit: restored },
      });
    });
  } else {
    const state = await client.workflow.getHandle(workflowId).query(planStateQuery);
    // Through the worker's own path: the plan row and its content from the state, an event and the audit entry.
    await createPlanActivities({ db }).recordPlanChange({
      key: `${RESYNC}${randomUUID()}`,
      planId: id,
      at: new Date().toISOString(),
      state,
      type: 'record-resynced',
      summary: 'The record was re-synced from the workflow state by an operator',
      by: { actorId: operator.id, actorRole: operator.role } as PlanChange['by'],
      decision: { kind: 'operator', decision: 'resync', rationale: reason },
    });
  }
  return { before, after: await reconcileWorkflow(client, db, workflowId) };
}
