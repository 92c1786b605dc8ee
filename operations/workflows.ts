import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { SA } from '../config/search-attributes';

export type CaseKind = 'visit' | 'plan';

/** The kind of case a workflow id belongs to; anything else is not the operator API's business. */
export function kindOf(workflowId: string): CaseKind | null {
  if (workflowId.startsWith('visit-')) return 'visit';
  if (workflowId.startsWith('plan-')) return 'plan';
  return null;
}

export interface WorkflowFilter {
  kind?: CaseKind;
  status?: string;
  team?: string;
  /** Only workflows still running. */
  open?: boolean;
  /** Next deadline strictly before this time (ISO): "overdue" when it is now. */
  deadlineBefore?: string;
  escalationAtLeast?: number;
}

/** Named views operators ask for most, as filters on the Care* search attributes. */
export const VIEWS = {
  'escalating-visits': (): WorkflowFilter => ({ kind: 'visit', status: 'escalating', open: true }),
  'open-visits': (): WorkflowFilter => ({ kind: 'visit', open: true }),
  'overdue-visits': (): WorkflowFilter => ({ kind: 'visit', open: true, deadlineBefore: new Date().toISOString() }),
  'overdue-plans': (): WorkflowFilter => ({ kind: 'plan', status: 'live', open: true, deadlineBefore: new Date().toISOString() }),
  'live-plans': (): WorkflowFilter => ({ kind: 'plan', status: 'live', open: true }),
} as const;
export type ViewName = keyof typeof VIEWS;

/** A visibility query; every value was validated by the caller's schema, and quotes are escaped anyway. */
export function visibilityQuery(f: WorkflowFilter): string {
  const q = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const parts = [f.kind ? `${SA.kind.name} = ${q(f.kind)}` : `${SA.kind.name} IS NOT NULL`];
  if (f.status) parts.push(`${SA.status.name} = ${q(f.status)}`);
  if (f.team) parts.push(`${SA.team.name} = ${q(f.team)}`);
  if (f.open) parts.push(`ExecutionStatus = 'Running'`);
  if (f.deadlineBefore) parts.push(`${SA.nextDeadline.name} < ${q(f.deadlineBefore)}`);
  if (f.escalationAtLeast !== undefined) parts.push(`${SA.escalationLevel.name} >= ${f.escalationAtLeast}`);
  return parts.join(' AND ');
}

/** A workflow as listed: its identity and the categories it is indexed by (never personal data). */
export function summaryOf(info: WorkflowExecutionInfo) {
  const sa = info.typedSearchAttributes;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    executionStatus: info.status.name,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString() ?? null,
    kind: sa.get(SA.kind) ?? null,
    status: sa.get(SA.status) ?? null,
    team: sa.get(SA.team) ?? null,
    nextDeadline: sa.get(SA.nextDeadline)?.toISOString() ?? null,
    escalationLevel: sa.get(SA.escalationLevel) ?? null,
  };
}

export async function listWorkflows(client: Client, query: string, limit: number) {
  const out: ReturnType<typeof summaryOf>[] = [];
  for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    out.push(summaryOf(info));
    if (out.length >= limit) break;
  }
  return out;
}

/** Activities the server is still trying: attempt number, last error, and when it tries next. */
export async function pendingActivities(client: Client, workflowId: string) {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const ms = (ts: Parameters<typeof tsToMs>[0]) => (ts ? new Date(tsToMs(ts)).toISOString() : null);
  return (raw.pendingActivities ?? []).map((a) => ({
    activityId: a.activityId ?? '',
    activityType: a.activityType?.name ?? '',
    state: String(a.state ?? ''),
    attempt: a.attempt ?? 0,
    maximumAttempts: a.maximumAttempts || null,
    lastError: a.lastFailure?.message ?? null,
    lastStartedAt: ms(a.lastStartedTime),
    nextAttemptAt: ms(a.nextAttemptScheduleTime),
    paused: !!a.paused,
  }));
}

/**
 * Workflows whose activities keep failing. Visibility cannot filter on activity attempts, so
 * the open Care workflows are described one by one (bounded by `scan`).
 */
export async function failingWorkflows(client: Client, filter: WorkflowFilter, minAttempts: number, scan: number) {
  const open = await listWorkflows(client, visibilityQuery({ ...filter, open: true }), scan);
  const failing = [];
  for (const wf of open) {
    const activities = (await pendingActivities(client, wf.workflowId).catch(() => [])).filter((a) => a.attempt >= minAttempts);
    if (activities.length) failing.push({ ...wf, activities });
  }
  return { scanned: open.length, workflows: failing };
}

/**
 * Retry now: the server's ResetActivity API (Temporal Server 1.29 in CLI 1.5.1; SDK 1.24 has it
 * on the raw workflowService). It puts the attempt count back to 1 and, for an activity waiting
 * out its backoff, schedules it at once. Named activities, or every pending one.
 */
export async function retryActivitiesNow(client: Client, workflowId: string, identity: string, activityIds?: string[]) {
  const pending = await pendingActivities(client, workflowId);
  const ids = activityIds?.length ? activityIds : pending.map((a) => a.activityId);
  const unknown = ids.filter((id) => !pending.some((a) => a.activityId === id));
  for (const id of ids.filter((i) => !unknown.includes(i))) {
    await client.workflowService.resetActivity({ namespace: client.options.namespace, execution: { workflowId }, identity, id, resetHeartbeat: false, keepPaused: false });
  }
  return { retried: ids.filter((i) => !unknown.includes(i)), notPending: unknown };
}
