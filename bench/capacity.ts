// Capacity (issue 14): the largest number of open visits, deadlines spread over the window,
// at which every first alert arrives with p99 lateness <= 1 s and none missing. Sizes double
// from `from` until one fails, then the gap is bisected once; the same search for the
// bare-timer baseline, so ours:baseline is measured on one stack in one run.
import type { Client } from '@temporalio/client';
import type { Db } from '../lib/db';
import { watchOverdueAlarms, type AlarmsSeen } from './alarm-watch';
import { FIRST_ESCALATION_TEMPLATE } from './baseline-activities';
import { latenessBreakdown, type Breakdown } from './breakdown';
import { sampledCounts, type Costs, type StatementCounts } from './costs';
import { arrived, awaitAlerts, FIRST_ESCALATION_SUBJECT, startBaselines, startVisits, type ExpectedAlert, type Starts } from './deadlines';
import type { VisitPolicy } from '../workflows/visit-policy';
import { forEachLimited } from './pool';
import type { ProcessSampler } from './process-stats';
import type { Stack } from './stack';

export const P99_BOUND_MS = 1_000;

export interface SizeFigures {
  size: number;
  pass: boolean;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  missing: number;
  /** Workflows started after their reminder (ours) or alert (baseline) was due: the start rate, not the design, was short. */
  lateStarts: number;
  startsPerSecond: number;
  workerCpuAvgPct: number | null;
  workerCpuPeakPct: number | null;
  workerRssMiB: number | null;
  serverCpuAvgPct: number | null;
  serverCpuPeakPct: number | null;
  costs: Costs;
  /** Where the sampled alerts' lateness went at this size: the stage that holds the tail. */
  breakdown: Breakdown;
  /** Ours only: the overdue alarms the API's /metrics reported meanwhile, as an operator's alerting would have seen them. */
  alarmsSeen: AlarmsSeen | null;
}

export interface CapacityCurve {
  /** The largest size that passed (0: not even the smallest); `atLeast` when the search stopped at `--capacity-max` still passing. */
  capacity: number;
  atLeast: boolean;
  points: SizeFigures[];
}

export interface CapacityDeps {
  stack: Stack;
  client: Client;
  db: Db;
  sampler: ProcessSampler;
  statements: StatementCounts;
  policy: VisitPolicy;
  windowMs: number;
  settleMs: number;
}

/** Doubling from `from` while sizes pass (up to `max`), then one bisection between the last pass and the first failure. */
export async function searchCapacity(measure: (size: number) => Promise<SizeFigures>, from: number, max: number): Promise<CapacityCurve> {
  const points: SizeFigures[] = [];
  let passed = 0;
  let failed: number | undefined;
  for (let size = from; size <= max; size *= 2) {
    const point = await measure(size);
    points.push(point);
    if (!point.pass) {
      failed = size;
      break;
    }
    passed = size;
  }
  if (failed !== undefined) {
    const middle = Math.round((passed + failed) / 2);
    if (middle !== passed && middle !== failed) {
      const point = await measure(middle);
      points.push(point);
      if (point.pass) passed = middle;
    }
  }
  return { capacity: passed, atLeast: failed === undefined, points: points.sort((a, b) => a.size - b.size) };
}

/** Starts `size` workflows at once (timed), waits for every first alert, and measures the window from the first alert due. */
async function measureSize(
  deps: CapacityDeps,
  size: number,
  who: 'worker' | 'baseline',
  start: (dueAtMs: number[], starts: Starts) => Promise<ExpectedAlert[]>,
  subject: string | null,
  startRate: { perSecond: number },
  /** Before its deadline (ours) or due time (baseline): started later than this is a late start. */
  lateIfWithinMs: number,
): Promise<{ figures: SizeFigures; alerts: ExpectedAlert[] }> {
  const { stack, db, sampler, statements, policy, windowMs, settleMs } = deps;
  const t0 = Date.now();
  // Every workflow is open before the first alert is due: start time, with a margin, then the reminder's lead.
  const firstDue = t0 + (size / startRate.perSecond) * 1300 + 5_000 + policy.reminderBeforeMs + policy.graceMs;
  const dueAtMs = Array.from({ length: size }, (_, i) => firstDue + (i * windowMs) / size);
  const before = await statements.total(stack.pids[who]);
  const starts: Starts = { aheadMs: Infinity, lateIfWithinMs, late: 0 };
  const alerts = await start(dueAtMs, starts);
  startRate.perSecond = Math.max(5, size / ((Date.now() - t0) / 1000));
  const watch = who === 'worker' ? watchOverdueAlarms(stack.apiUrl) : null;
  const lateness = await awaitAlerts(stack.sink, alerts, subject, dueAtMs[dueAtMs.length - 1] + settleMs);
  const alarmsSeen = (await watch?.stop()) ?? null;
  const after = await statements.total(stack.pids[who]);
  const processes = sampler.window(firstDue, Date.now());
  const history = await sampledCounts(
    deps.client,
    arrived(stack.sink, alerts, subject).map((a) => a.workflowId),
  );
  const missing = lateness.expected - lateness.received;
  const breakdown = await latenessBreakdown(deps.client, stack.sink, alerts, subject, who === 'worker' ? { db, template: FIRST_ESCALATION_TEMPLATE } : null);
  return {
    alerts,
    figures: {
      size,
      pass: missing === 0 && lateness.p99Ms <= P99_BOUND_MS,
      p50Ms: lateness.p50Ms,
      p99Ms: lateness.p99Ms,
      maxMs: lateness.maxMs,
      missing,
      lateStarts: starts.late,
      startsPerSecond: Math.round(startRate.perSecond),
      workerCpuAvgPct: processes[who]?.avgCpuPct ?? null,
      workerCpuPeakPct: processes[who]?.peakCpuPct ?? null,
      workerRssMiB: processes[who]?.peakRssMiB ?? null,
      serverCpuAvgPct: processes.temporal?.avgCpuPct ?? null,
      serverCpuPeakPct: processes.temporal?.peakCpuPct ?? null,
      costs: { ...history, statements: before === null || after === null ? null : Math.round(((after - before) / size) * 10) / 10 },
      breakdown,
      alarmsSeen,
    },
  };
}

/** Our visits at one size; they are terminated afterwards so their later ladder steps cannot load the next size. */
export function oursAtSize(deps: CapacityDeps, say: (line: string) => void): (size: number) => Promise<SizeFigures> {
  const startRate = { perSecond: 50 };
  return async (size) => {
    say(`capacity (ours): ${size} open visits, deadlines over ${deps.windowMs / 60_000} min`);
    const visitStart = (dueAtMs: number[], starts: Starts) =>
      startVisits(
        deps.client,
        deps.db,
        dueAtMs.map((d) => d - deps.policy.graceMs),
        deps.policy,
        starts,
      );
    const { figures, alerts } = await measureSize(deps, size, 'worker', visitStart, FIRST_ESCALATION_SUBJECT, startRate, deps.policy.reminderBeforeMs);
    say(`capacity (ours) ${size}: p99 ${Math.round(figures.p99Ms)} ms, missing ${figures.missing}: ${figures.pass ? 'pass' : 'FAIL'}; terminating them`);
    await forEachLimited(alerts, 32, async ({ workflowId }) => {
      await deps.client.workflow
        .getHandle(workflowId)
        .terminate('bench: capacity size measured')
        .catch(() => undefined);
    });
    // As the API's terminate does: nothing will send their later steps, and the next size's /metrics must not count them.
    await deps.db.visit.updateMany({ where: { workflowId: { in: alerts.map((a) => a.workflowId) } }, data: { nextAlarmAt: null } });
    return figures;
  };
}

/** The bare-timer baseline at one size (its workflows end after their one alert). */
export function baselineAtSize(deps: CapacityDeps, say: (line: string) => void): (size: number) => Promise<SizeFigures> {
  const startRate = { perSecond: 50 };
  return async (size) => {
    say(`capacity (baseline): ${size} timers, due over ${deps.windowMs / 60_000} min`);
    const { figures } = await measureSize(
      deps,
      size,
      'baseline',
      (dueAtMs, starts) => startBaselines(deps.client, dueAtMs, starts),
      null,
      startRate,
      deps.policy.reminderBeforeMs + deps.policy.graceMs,
    );
    say(`capacity (baseline) ${size}: p99 ${Math.round(figures.p99Ms)} ms, missing ${figures.missing}: ${figures.pass ? 'pass' : 'FAIL'}`);
    return figures;
  };
}

const cell = (v: number | null) => (v === null || !Number.isFinite(v) ? 'n/a' : String(Math.round(v * 10) / 10));

/** The curve as Markdown: one line per size and design. */
export function capacityTable(curves: { ours: CapacityCurve; baseline: CapacityCurve }): string {
  const lines = [
    '| design | open visits | p50 ms | p99 ms | max ms | missing | late starts | worker CPU avg / peak % | worker RSS MiB | server CPU avg / peak % | events / WFTs / acts / local acts / statements per visit | overdue alarms /metrics saw: most at once / most overdue s | p99 ≤ 1 s, none missing |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [design, curve] of Object.entries(curves)) {
    for (const p of curve.points) {
      const c = p.costs;
      lines.push(
        `| ${design} | ${p.size} | ${cell(p.p50Ms)} | ${cell(p.p99Ms)} | ${cell(p.maxMs)} | ${p.missing} | ${p.lateStarts} | ${cell(p.workerCpuAvgPct)} / ${cell(p.workerCpuPeakPct)} | ${cell(p.workerRssMiB)} | ${cell(p.serverCpuAvgPct)} / ${cell(p.serverCpuPeakPct)} | ${cell(c.events)} / ${cell(c.workflowTasks)} / ${cell(c.activities)} / ${cell(c.localActivities)} / ${cell(c.statements)} | ${p.alarmsSeen ? `${p.alarmsSeen.maxOverdue} / ${cell(p.alarmsSeen.maxOverdueSeconds)}` : '—'} | ${p.pass ? 'pass' : 'FAIL'} |`,
      );
    }
  }
  const figure = (c: CapacityCurve) => `${c.atLeast ? '≥ ' : ''}${c.capacity}`;
  lines.push('', `Capacity (open visits at p99 ≤ 1 s, none missing): ours ${figure(curves.ours)}, baseline ${figure(curves.baseline)}.`);
  return lines.join('\n');
}
