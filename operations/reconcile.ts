import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { PlanChange } from '../activities/plans';
import { createPlanActivities } from '../activities/plans';
import type { VisitEventRecord } from '../activities/visits';
import { appendAudit } from '../lib/audit';
import type { Db } from '../lib/db';
import { planStateQuery, type PlanState } from '../workflows/plan-contract';
import { visitStateQuery, type VisitState } from '../workflows/visit';
import { fetchRuns, recordedActivities, type RecordedActivity } from './history';
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
  const norm = (v: unknown) => (v instanceof Date ? v.toISOString() : v ?? null);
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

/** Compares what history says was recorded with the rows and the audit trail, and the state with the row. */
function compareRecords(recorded: RecordedActivity<unknown>[], expected: { ref: string; auditKey: string }[], rows: Set<string>, audited: Set<string>): Difference[] {
  const differences: Difference[] = [];
  const refs = new Set(expected.map((e) => e.ref));
  for (const { ref, auditKey } of expected) {
    if (!rows.has(ref)) differences.push({ problem: 'event-missing', detail: `history recorded ${ref}; the database has no such event` });
    if (!audited.has(auditKey)) differences.push({ problem: 'audit-missing', detail: `no audit entry ${auditKey}` });
  }
  const known = new Set(recorded.map((r) => refOf(r)));
  for (const ref of rows) if (!refs.has(ref) && !known.has(ref)) differences.push({ problem: 'event-unexplained', detail: `the database has event ${ref}; history never recorded it` });
  return differences;
}

const refOf = (r: RecordedActivity<unknown>) => {
  const input = r.input as { seq?: number; key?: string } | undefined;
  return String(input?.seq ?? input?.key ?? '');
};

/** One workflow against its database record and audit trail. */
export async function reconcileWorkflow(client: Client, db: Db, workflowId: string): Promise<Reconciliation> {
  const kind = kindOf(workflowId);
  if (!kind) throw new Error(`${workflowId} is not a visit or plan workflow`);
  const id = caseIdOf(workflowId);
  const runs = await fetchRuns(client, workflowId);
  const type = kind === 'visit' ? 'recordVisitEvent' : 'recordPlanChange';
  const recorded = await recordedActivities<VisitEventRecord | PlanChange>(client, runs, [type]);
  const done = recorded.filter((r) => r.outcome === 'completed');
  const inFlight = recorded.filter((r) => r.outcome === 'pending').length;
  const auditKey = (ref: string) => (kind === 'visit' ? `visit:${id}:${ref}` : `plan:${ref}`);
  const expected = done.map((r) => ({ ref: refOf(r), auditKey: auditKey(refOf(r)) }));
  const audited = new Set(
    (await db.auditEntry.findMany({ where: { key: { in: expected.map((e) => e.auditKey) } }, select: { key: true } })).map((a) => a.key ?? ''),
  );
  const differences: Difference[] = [];
  if (kind === 'visit') {
    const row = await db.visit.findUnique({ where: { id }, include: { events: { select: { seq: true } } } });
    const state = await stateOf<VisitState>(client, workflowId, visitStateQuery);
    if (!row) differences.push({ problem: 'record-missing', detail: `no Visit row ${id}` });
    differences.push(...compareRecords(recorded, expected, new Set(row?.events.map((e) => String(e.seq)) ?? []), audited));
    if (row && state && !inFlight) differences.push(...compareFields(row, visitStateColumns(state)));
  } else {
    const row = await db.plan.findUnique({ where: { id }, include: { events: { select: { key: true } } } });
    const state = await stateOf<PlanState>(client, workflowId, planStateQuery);
    if (!row) differences.push({ problem: 'record-missing', detail: `no Plan row ${id}` });
    differences.push(...compareRecords(recorded, expected, new Set(row?.events.map((e) => e.key).filter((k) => !k.startsWith(RESYNC)) ?? []), audited));
    if (row && state && !inFlight) differences.push(...compareFields(row, { status: state.status, nextReviewDate: state.review?.dueDate ?? null }));
  }
  return { workflowId, kind, inFlight, differences };
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
 * Re-sync the database record from the workflow: events history recorded but the database
 * lost are written again from history, then the row takes the state the workflow answers
 * with. The operator, their reason and what changed are audited with the write.
 */
export async function resyncWorkflow(deps: ResyncDeps, workflowId: string, operator: { id: string; role: string }, reason: string) {
  const { client, db } = deps;
  const before = await reconcileWorkflow(client, db, workflowId);
  const id = caseIdOf(workflowId);
  if (before.kind === 'visit') {
    const runs = await fetchRuns(client, workflowId);
    const recorded = await recordedActivities<VisitEventRecord>(client, runs, ['recordVisitEvent']);
    for (const r of recorded) if (r.outcome === 'completed' && r.input) await deps.recordVisitEvent(r.input);
    const state = await client.workflow.getHandle(workflowId).query(visitStateQuery);
    await db.$transaction(async (tx) => {
      await tx.visit.update({ where: { id }, data: visitStateColumns(state) });
      await appendAudit(tx, { actor: operator, action: 'operator.resync', target: { type: 'visit', id }, rationale: reason, data: { repaired: before.differences.map((d) => d.problem) } });
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
