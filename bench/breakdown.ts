// Where a first alert's lateness goes: for sampled alerts, when each step between the due
// time and the sink's acceptance happened, read from the workflow's history (timer fired,
// workflow task started and completed, activity scheduled and started), the database (the
// visit event's row, the delivery's claim just before the send) and the sink.
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { Db } from '../lib/db';
import type { ExpectedAlert } from './deadlines';
import { percentile } from './pool';
import type { BenchSink } from './sink';

/** Each milestone of one alert, in ms after its due time (null where the design has no such step). */
export interface AlertMilestones {
  timerFired: number;
  taskStarted: number;
  /** The escalation's event row written (ours: the record's statement). */
  eventRecorded: number | null;
  /** The workflow task completed, which is when its activity was scheduled. */
  taskCompleted: number;
  activityStarted: number;
  /** The delivery claimed, the last statement before the SMTP send (ours). */
  sendClaimed: number | null;
  accepted: number;
}

const NAMES: Record<keyof AlertMilestones, string> = {
  timerFired: 'timer fired',
  taskStarted: 'workflow task started',
  eventRecorded: 'event recorded',
  taskCompleted: 'workflow task completed (activity scheduled)',
  activityStarted: 'activity started',
  sendClaimed: 'delivery claimed (SMTP send begins)',
  accepted: 'accepted by the SMTP sink',
};

export interface StageFigures {
  /** `previous → milestone`, milestones in the order they happen (by median). */
  stage: string;
  /** Time from the previous milestone to this one. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** This milestone's time after the due time. */
  afterDueP50Ms: number;
  afterDueP99Ms: number;
}

export interface Breakdown {
  sampled: number;
  stages: StageFigures[];
}

/** Up to `size` alerts spread over the run, plus the latest few, so the p99 is among them. */
function pick(alerts: Array<ExpectedAlert & { acceptedAt: number }>, size: number): Array<ExpectedAlert & { acceptedAt: number }> {
  const step = Math.max(1, Math.floor(alerts.length / size));
  const latest = [...alerts].sort((a, b) => b.acceptedAt - b.dueAtMs - (a.acceptedAt - a.dueAtMs)).slice(0, Math.ceil(size / 10));
  return [...new Set([...alerts.filter((_, i) => i % step === 0).slice(0, size), ...latest])];
}

/**
 * The history's timeline of the alert's send: the last activity scheduled (the first
 * escalation: later ladder steps are far off), the workflow task whose completion scheduled
 * it and the timer that woke that task.
 */
async function historyMilestones(client: Client, workflowId: string) {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = (i: number) => tsToMs(events[i].eventTime);
  const lastBefore = (end: number, is: (e: (typeof events)[number]) => unknown) => {
    for (let i = end - 1; i >= 0; i--) if (is(events[i])) return i;
    return -1;
  };
  const scheduled = lastBefore(events.length, (e) => e.activityTaskScheduledEventAttributes);
  const completed = lastBefore(scheduled, (e) => e.workflowTaskCompletedEventAttributes);
  const started = lastBefore(completed, (e) => e.workflowTaskStartedEventAttributes);
  const fired = lastBefore(started, (e) => e.timerFiredEventAttributes);
  const activityStarted = events.findIndex((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(events[scheduled]?.eventId));
  if ([scheduled, completed, started, fired, activityStarted].includes(-1)) return null;
  return { timerFired: at(fired), taskStarted: at(started), taskCompleted: at(completed), activityStarted: at(activityStarted) };
}

/**
 * Milestones of sampled first alerts that arrived. `db` and `template` are given for our
 * visits: the alert's event row (`alert-sent`) and its delivery's claim come from there.
 */
export async function latenessBreakdown(
  client: Client,
  sink: BenchSink,
  alerts: ExpectedAlert[],
  subject: string | null,
  ours: { db: Db; template: string } | null,
  size = 60,
): Promise<Breakdown> {
  const acceptedAt = new Map<string, number>();
  for (const mail of sink.accepted()) if ((subject === null || mail.subject === subject) && !acceptedAt.has(mail.to)) acceptedAt.set(mail.to, mail.at);
  const arrivedAlerts = alerts.flatMap((a) => (acceptedAt.has(a.to) ? [{ ...a, acceptedAt: acceptedAt.get(a.to)! }] : []));
  const sample = pick(arrivedAlerts, size);
  const claims = ours
    ? new Map(
        (
          await ours.db.notificationDelivery.findMany({
            where: { recipient: { in: sample.map((a) => a.to) }, template: ours.template },
            select: { recipient: true, claimedAt: true },
          })
        ).map((d) => [d.recipient, d.claimedAt?.getTime() ?? null]),
      )
    : new Map<string, number | null>();
  const milestones: AlertMilestones[] = [];
  for (const alert of sample) {
    const history = await historyMilestones(client, alert.workflowId);
    if (!history) continue;
    const recorded = ours
      ? await ours.db.visitEvent.findFirst({ where: { visit: { workflowId: alert.workflowId }, type: 'alert-sent' }, orderBy: { seq: 'asc' }, select: { createdAt: true } })
      : null;
    const after = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : ms - alert.dueAtMs);
    milestones.push({
      timerFired: after(history.timerFired)!,
      taskStarted: after(history.taskStarted)!,
      eventRecorded: after(recorded?.createdAt.getTime()),
      taskCompleted: after(history.taskCompleted)!,
      activityStarted: after(history.activityStarted)!,
      sendClaimed: after(claims.get(alert.to)),
      accepted: alert.acceptedAt - alert.dueAtMs,
    });
  }
  return { sampled: milestones.length, stages: stageFigures(milestones) };
}

const sortedOf = (values: number[]) => [...values].sort((a, b) => a - b);

/** Milestones in the order they happen (by median), each with the time from the one before it. */
export function stageFigures(milestones: AlertMilestones[]): StageFigures[] {
  const keys = (Object.keys(NAMES) as Array<keyof AlertMilestones>).filter((k) => milestones.some((m) => m[k] !== null));
  const offsets = (k: keyof AlertMilestones) => sortedOf(milestones.flatMap((m) => (m[k] === null ? [] : [m[k]!])));
  const order = keys.sort((a, b) => percentile(offsets(a), 50) - percentile(offsets(b), 50));
  return order.map((key, i) => {
    const previous = i === 0 ? null : order[i - 1];
    const durations = sortedOf(milestones.flatMap((m) => (m[key] === null || (previous && m[previous] === null) ? [] : [m[key]! - (previous ? m[previous]! : 0)])));
    const after = offsets(key);
    return {
      stage: `${previous ? NAMES[previous] : 'due'} → ${NAMES[key]}`,
      p50Ms: percentile(durations, 50),
      p99Ms: percentile(durations, 99),
      maxMs: durations[durations.length - 1] ?? NaN,
      afterDueP50Ms: percentile(after, 50),
      afterDueP99Ms: percentile(after, 99),
    };
  });
}

/** The breakdowns as Markdown, one line per design and stage. */
export function breakdownTable(rows: Array<{ label: string; breakdown: Breakdown }>): string {
  const lines = ['| backend, design (alerts sampled) | stage | p50 ms | p99 ms | max ms | milestone after due p50 / p99 ms |', '| --- | --- | --- | --- | --- | --- |'];
  const ms = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : 'n/a');
  for (const { label, breakdown } of rows) {
    for (const s of breakdown.stages)
      lines.push(`| ${label} (${breakdown.sampled}) | ${s.stage} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${ms(s.maxMs)} | ${ms(s.afterDueP50Ms)} / ${ms(s.afterDueP99Ms)} |`);
  }
  return lines.join('\n');
}
