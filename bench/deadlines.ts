// Visits whose deadlines pass with nobody checking in, and the bare-timer baseline for the
// same deadlines; lateness is read from the SMTP sink's acceptance times.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { writeStartedVisitRow } from '../api/http/visit-row';
import type { Db } from '../lib/db';
import { visitWorkflowV3 } from '../workflows/visit';
import { visitStartOptions } from '../workflows/visit-contract';
import type { VisitPolicy } from '../workflows/visit-policy';
import { baselineWorkflow } from './baseline-workflow';
import { benchVisit } from './policy';
import { forEachLimited, percentile } from './pool';
import type { BenchSink } from './sink';
import { BASELINE_TASK_QUEUE, TASK_QUEUE } from './stack';

/** Subject of a visit's first escalation (visit-overdue-worker); the reminder has another. */
export const FIRST_ESCALATION_SUBJECT = 'You missed a check-in: please check in now';
const START_CONCURRENCY = 32;

/** One alert the run expects: where it goes and when it is due (deadline + grace). */
export interface ExpectedAlert {
  to: string;
  dueAtMs: number;
  workflowId: string;
}

export interface LatenessFigures {
  expected: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** First alert due to last alert accepted. */
  spanMs: number;
  /** Alerts accepted per second over that span. */
  alertsPerSecond: number;
}

/**
 * Visits open over time as they do in real life: each starts `aheadMs` before its deadline
 * (all at once when that moment has passed), so every visit is open by the end of the run.
 */
export interface Starts {
  aheadMs: number;
  /** Starts that happened later than this long before their due time. */
  lateIfWithinMs: number;
  late: number;
}

const waitUntil = async (at: number) => {
  const ms = at - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
};

/** Starts one of our visits per deadline (ascending), as the API would; returns the alerts expected. */
export async function startVisits(client: Client, db: Db, deadlinesMs: number[], policy: VisitPolicy, starts: Starts): Promise<ExpectedAlert[]> {
  const expected: ExpectedAlert[] = [];
  await forEachLimited(deadlinesMs, START_CONCURRENCY, async (deadlineMs) => {
    await waitUntil(deadlineMs - starts.aheadMs);
    if (Date.now() > deadlineMs - starts.lateIfWithinMs) starts.late++;
    const input = benchVisit(randomUUID(), deadlineMs, policy);
    const start = visitStartOptions(input);
    await client.workflow.start(visitWorkflowV3, { ...start, taskQueue: TASK_QUEUE });
    await writeStartedVisitRow(db, input);
    expected.push({ to: input.worker.email, dueAtMs: deadlineMs + policy.graceMs, workflowId: start.workflowId });
  });
  return expected;
}

/** Starts one bare-timer workflow per alert time, sending the same email as the visit's first escalation. */
export async function startBaselines(client: Client, dueAtMs: number[], starts: Starts): Promise<ExpectedAlert[]> {
  const expected: ExpectedAlert[] = [];
  await forEachLimited(dueAtMs, START_CONCURRENCY, async (due) => {
    await waitUntil(due - starts.aheadMs);
    if (Date.now() > due - starts.lateIfWithinMs) starts.late++;
    const id = randomUUID();
    const to = `baseline-${id}@bench.example`;
    const data = {
      visitId: id,
      workerName: 'Bench worker',
      buddyName: 'Bench buddy',
      managerName: 'Bench manager',
      dueAt: new Date(due).toISOString(),
      step: 1,
      repeat: 1,
      reason: 'missed-deadline',
      recipientName: 'Bench worker',
      recipientRole: 'worker',
    };
    const workflowId = `baseline-${id}`;
    await client.workflow.start(baselineWorkflow, { workflowId, taskQueue: BASELINE_TASK_QUEUE, args: [{ to, dueAtMs: due, data }] });
    expected.push({ to, dueAtMs: due, workflowId });
  });
  return expected;
}

/** Polls the sink until every expected alert arrived or `giveUpAt` passed, then measures. */
export async function awaitAlerts(sink: BenchSink, expected: ExpectedAlert[], subject: string | null, giveUpAt: number): Promise<LatenessFigures> {
  const byAddress = new Map(expected.map((e) => [e.to, e]));
  const firstAccepted = new Map<string, number>();
  for (;;) {
    for (const mail of sink.accepted()) {
      if (byAddress.has(mail.to) && !firstAccepted.has(mail.to) && (subject === null || mail.subject === subject)) firstAccepted.set(mail.to, mail.at);
    }
    if (firstAccepted.size === expected.length || Date.now() > giveUpAt) break;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const lateness = [...firstAccepted].map(([to, at]) => at - byAddress.get(to)!.dueAtMs).sort((a, b) => a - b);
  const firstDue = Math.min(...expected.map((e) => e.dueAtMs));
  const lastAccepted = Math.max(...firstAccepted.values());
  const spanMs = lastAccepted - firstDue;
  return {
    expected: expected.length,
    received: firstAccepted.size,
    p50Ms: percentile(lateness, 50),
    p99Ms: percentile(lateness, 99),
    maxMs: lateness[lateness.length - 1] ?? NaN,
    spanMs,
    alertsPerSecond: Math.round((firstAccepted.size / Math.max(spanMs, 1)) * 1000 * 10) / 10,
  };
}

/** The alerts among `expected` that the sink has accepted (with `subject`, when given). */
export function arrived(sink: BenchSink, expected: ExpectedAlert[], subject: string | null): ExpectedAlert[] {
  const accepted = new Set(
    sink
      .accepted()
      .filter((m) => subject === null || m.subject === subject)
      .map((m) => m.to),
  );
  return expected.filter((e) => accepted.has(e.to));
}
