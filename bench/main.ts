// `npm run bench [-- --quick] [--temporal=dev,server,cluster] [--workers N] [--visits N] …`:
// for each backend in turn brings the stack up on the bench's own ports (a fresh Temporal on
// a new store each time), runs the scenarios and the capacity search, then prints one table
// with a column per backend and saves all the figures in one results file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { dataConverter } from '../lib/data-converter';
import { createDb } from '../lib/db';
import { runMain } from '../lib/run-main';
import { baselineAtSize, capacityTable, oursAtSize, searchCapacity, type CapacityCurve } from './capacity';
import { bareSignalTraffic, checkInTraffic, openVisitsWithTokens, startBareSignalTargets } from './checkins';
import { countsDelta, historyCounts, meanCounts, sampledCounts, scale, StatementCounts, type Costs, type HistoryCounts } from './costs';
import { visitWorkflowId } from '../workflows/visit-contract';
import { arrived, awaitAlerts, FIRST_ESCALATION_SUBJECT, startBaselines, startVisits, type ExpectedAlert, type LatenessFigures, type Starts } from './deadlines';
import { planLongevity } from './longevity';
import { openVisitsScenario, type CheckInRound, type OpenVisitFigures } from './open-visits';
import { parseOptions, type BenchOptions } from './options';
import { benchPolicy } from './policy';
import { ProcessSampler, type ProcessFigures } from './process-stats';
import { columnsTable, machine, saveResults, table, type Row } from './report';
import { startStack, type Stack } from './stack';
import { breakdownTable, latenessBreakdown, type Breakdown } from './breakdown';
import type { TemporalBackend } from '../infra/temporal-backend';
import type { LongevityFigures } from './longevity';
import type { CheckInFigures } from './checkins';
import type { Db } from '../lib/db';
import { FIRST_ESCALATION_TEMPLATE } from './baseline-activities';

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Worker tuning passed through from the environment, recorded with the figures. */
const TUNING_VARIABLES = [
  'WORKER_MAX_CACHED_WORKFLOWS',
  'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
  'WORKER_MAX_CONCURRENT_ACTIVITIES',
  'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES',
  'WORKER_DB_POOL_SIZE',
];

interface Escalations {
  ours: LatenessFigures;
  baseline: LatenessFigures;
  /** Workflows started after their reminder (ours) or the same instant (baseline) was due. */
  lateStarts: { ours: number; baseline: number };
  processes: Record<string, ProcessFigures>;
  /** Per visit from start to first escalation (ours) or to its one alert (baseline). */
  costs: { ours: Costs; baseline: Costs };
  /** Where the first alerts' lateness went, stage by stage. */
  breakdown: { ours: Breakdown; baseline: Breakdown };
}

/**
 * Starts our visits and the baseline's timers for `deadlines`, waits for every first alert
 * and measures. With `sideBySide` both run at once on interleaved deadlines (steady load:
 * the same server under the same load); otherwise one after the other (burst capacity).
 * Each workflow starts `aheadMs` before its deadline.
 */
async function escalations(
  stack: Stack,
  client: Client,
  db: Db,
  sampler: ProcessSampler,
  statements: StatementCounts,
  options: BenchOptions,
  deadlines: (t0: number) => number[],
  sideBySide: boolean,
  aheadMs: number,
): Promise<Escalations> {
  const policy = benchPolicy(options.graceSeconds * 1000);
  const settleMs = options.settleSeconds * 1000;
  const from = Date.now();
  const statementsBefore = await statements.total([...stack.pids.worker, ...stack.pids.baseline]);
  const firstDeadlines = () => deadlines(Date.now() + aheadMs + 5_000);
  const ourDeadlines = firstDeadlines();
  const slot = sideBySide && ourDeadlines.length > 1 ? (ourDeadlines[1] - ourDeadlines[0]) / 2 : 0;
  // The baseline's timer is due when our first escalation is: deadline + grace.
  const baselineDue = (ds: number[]) => ds.map((d) => d + slot + policy.graceMs);
  const ourStarts: Starts = { aheadMs, lateIfWithinMs: policy.reminderBeforeMs, late: 0 };
  const baselineStarts: Starts = { aheadMs: aheadMs + policy.graceMs, lateIfWithinMs: policy.reminderBeforeMs + policy.graceMs, late: 0 };
  const last = (alerts: ExpectedAlert[]) => Math.max(...alerts.map((a) => a.dueAtMs)) + settleMs;
  const ourAlerts = startVisits(client, db, ourDeadlines, policy, ourStarts);
  const oursDone = ourAlerts.then((alerts) => awaitAlerts(stack.sink, alerts, FIRST_ESCALATION_SUBJECT, last(alerts)));
  const baselineAlerts = (sideBySide ? Promise.resolve(ourDeadlines) : oursDone.then(firstDeadlines)).then((ds) => startBaselines(client, baselineDue(ds), baselineStarts));
  const baselineDone = baselineAlerts.then((alerts) => awaitAlerts(stack.sink, alerts, null, last(alerts)));
  const [ours, baseline] = await Promise.all([oursDone, baselineDone]);
  if (ourStarts.late || baselineStarts.late)
    say(`WARNING: ${ourStarts.late + baselineStarts.late} workflows started late: the server could not start them as fast as the scenario asks`);
  const processes = sampler.window(from, Date.now());
  // Statements of both workers over the scenario: the baseline's worker has no database, so all are ours.
  const statementsAfter = await statements.total([...stack.pids.worker, ...stack.pids.baseline]);
  const perVisit = statementsBefore === null || statementsAfter === null ? null : Math.round(((statementsAfter - statementsBefore) / ours.expected) * 10) / 10;
  const sampled = async (alerts: Promise<ExpectedAlert[]>, subject: string | null) =>
    sampledCounts(
      client,
      arrived(stack.sink, await alerts, subject).map((a) => a.workflowId),
    );
  const costs = { ours: { ...(await sampled(ourAlerts, FIRST_ESCALATION_SUBJECT)), statements: perVisit }, baseline: { ...(await sampled(baselineAlerts, null)), statements: 0 } };
  const breakdown = {
    ours: await latenessBreakdown(client, stack.sink, await ourAlerts, FIRST_ESCALATION_SUBJECT, { db, template: FIRST_ESCALATION_TEMPLATE }),
    baseline: await latenessBreakdown(client, stack.sink, await baselineAlerts, null, null),
  };
  return { ours, baseline, lateStarts: { ours: ourStarts.late, baseline: baselineStarts.late }, processes, costs, breakdown };
}

const ratio = (ours: number, base: number) => Math.round((ours / base) * 100) / 100;

function escalationRows(name: string, e: Escalations): Row[] {
  const { ours, baseline } = e;
  return [
    [name, 'late starts (ours / baseline)', `${e.lateStarts.ours} / ${e.lateStarts.baseline}`, '0'],
    [name, 'first alerts received (ours / baseline)', `${ours.received}/${ours.expected} / ${baseline.received}/${baseline.expected}`],
    [name, 'lateness p50 ms (ours / baseline)', `${ours.p50Ms} / ${baseline.p50Ms}`],
    [name, 'lateness p99 ms (ours / baseline)', `${ours.p99Ms} / ${baseline.p99Ms}`, name === 'steady' ? 'ours ≤ 1000' : undefined],
    [name, 'lateness max ms (ours / baseline)', `${ours.maxMs} / ${baseline.maxMs}`, name === 'steady' ? 'ours ≤ 2000' : 'ours ≤ 10000'],
    [name, 'first due → last accepted s (ours / baseline)', `${ours.spanMs / 1000} / ${baseline.spanMs / 1000}`],
    [name, 'alerts/s (ours / baseline)', `${ours.alertsPerSecond} / ${baseline.alertsPerSecond}`],
    [name, 'throughput ratio ours:baseline', ratio(ours.alertsPerSecond, baseline.alertsPerSecond), '≥ 0.9'],
    [name, 'p99 lateness ratio ours:baseline', ratio(ours.p99Ms, baseline.p99Ms), '≤ 1.5'],
    ...processRows(name, e.processes),
  ];
}

function costRows(what: string, costs: { ours: Costs; baseline: Costs }): Row[] {
  const line = (c: Costs) => `${c.events} / ${c.workflowTasks} / ${c.activities} / ${c.localActivities} / ${c.statements ?? 'n/a'}`;
  return [['costs', `${what}: events / workflow tasks / activities / local activities / DB statements (ours ‖ baseline)`, `${line(costs.ours)} ‖ ${line(costs.baseline)}`]];
}

function processRows(scenario: string, processes: Record<string, ProcessFigures>): Row[] {
  return Object.entries(processes).map(([proc, f]) => [
    scenario,
    `${proc}: peak RSS MiB / avg CPU % / peak CPU %`,
    `${f.peakRssMiB} / ${f.avgCpuPct} / ${f.peakCpuPct}`,
    proc === 'worker' && (scenario === 'steady' || scenario === 'open visits') ? 'RSS ≤ 1024' : undefined,
  ]);
}

/** A scenario that cannot run (e.g. a missing table) is reported in the table, not fatal to the others. */
async function orError<T>(scenario: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await scenario();
  } catch (err) {
    say(`scenario failed: ${(err as Error).stack ?? err}`);
    return { error: (err as Error).message.split('\n').filter(Boolean).at(-1) ?? String(err) };
  }
}

/** Ours through the API, with the bare signals' figures after them (`baseline`) and the API's first requests (`warmUp`). */
type CheckIns =
  (CheckInFigures & { baseline: CheckInFigures; warmUp: CheckInFigures; processes: Record<string, ProcessFigures>; costs: { ours: Costs; baseline: Costs } }) | { error: string };

/** What one backend's stack measured. */
interface BackendRun {
  backend: TemporalBackend;
  steady: Escalations;
  burst: Escalations;
  checkIns: CheckIns;
  capacity?: { ours: CapacityCurve; baseline: CapacityCurve };
  openVisits?: OpenVisitFigures | { error: string };
  temporal: Stack['temporalIssues'] & { log: string };
}

/** Check-ins sent to warm the API before the measured ones. */
const WARM_UP_CHECK_INS = 100;

/** The mean history counts each of `ids` gained between `before` and `after`, over the requests each received. */
function perRequestCounts(before: HistoryCounts[], after: HistoryCounts[], sentTo: (i: number) => number): HistoryCounts {
  return meanCounts(before.map((b, i) => scale(countsDelta(b, after[i]), 1 / sentTo(i))));
}

/**
 * Check-ins through the API, then the same traffic as bare signals from the bench's own client
 * to baseline workflows: how much of a check-in's time is the server's signal round trip, and
 * how much is ours. One after the other, as in the burst, so each has the machine to itself:
 * side by side, the server took twice the rate and both were measured at a load neither asked.
 */
async function checkInScenario(stack: Stack, client: Client, db: Db, sampler: ProcessSampler, statements: StatementCounts, options: BenchOptions): Promise<CheckIns> {
  return orError(async () => {
    const targets = Math.min(200, Math.ceil(options.rate));
    const walkers = await openVisitsWithTokens(db, client, targets, benchPolicy(options.graceSeconds * 1000));
    const bare = await startBareSignalTargets(client, targets);
    // A fresh API's first requests pay for its start (code compiled on first use, connections
    // opened): 100 to 300 ms each for about the first twenty, then 10 to 30 ms at 20/s. A
    // running API paid that long ago, so the measured traffic follows a warm-up at the same
    // rate, reported on its own.
    const warmUp = await checkInTraffic(stack.apiUrl, walkers, options.rate, WARM_UP_CHECK_INS / options.rate);
    await sleep(2_000);
    // A few workflows' histories before and after, divided by the requests each of them received.
    const counts = (ids: string[]) => Promise.all(ids.slice(0, 3).map((id) => historyCounts(client, id)));
    const measured = async (ids: string[], traffic: () => Promise<CheckInFigures>) => {
      const before = await counts(ids);
      const from = Date.now();
      const figures = await traffic();
      const processes = sampler.window(from, Date.now());
      await sleep(2_000);
      // The traffic goes to the workflows in turn, so the first `sent % ids.length` got one more.
      const sentTo = (i: number) => Math.floor(figures.sent / ids.length) + (i < figures.sent % ids.length ? 1 : 0);
      return { figures, processes, perRequest: { ...perRequestCounts(before, await counts(ids), sentTo), sampled: before.length } };
    };

    const counted = [...stack.pids.worker, ...stack.pids.api];
    const statementsBefore = await statements.total(counted);
    const ours = await measured(
      walkers.map((w) => visitWorkflowId(w.visitId)),
      () => checkInTraffic(stack.apiUrl, walkers, options.rate, options.checkInSeconds),
    );
    const statementsAfter = await statements.total(counted);
    const baseline = await measured(bare, () => bareSignalTraffic(client, bare, options.rate, options.checkInSeconds));
    await Promise.all(bare.map((id) => client.workflow.getHandle(id).terminate('bench: check-ins measured')));
    const oursStatements = statementsBefore === null || statementsAfter === null ? null : Math.round(((statementsAfter - statementsBefore) / ours.figures.sent) * 10) / 10;
    return {
      ...ours.figures,
      baseline: baseline.figures,
      warmUp,
      processes: ours.processes,
      costs: { ours: { ...ours.perRequest, statements: oursStatements }, baseline: { ...baseline.perRequest, statements: 0 } },
    };
  });
}

/**
 * One backend: a stack of its own (fresh Temporal, store, PostgreSQL and sink), the
 * scenarios, the capacity search, and the plan's longevity when `longevity` asks for it
 * (it runs on the time-skipping server, so once per bench is enough).
 */
async function runBackend(
  backend: TemporalBackend,
  options: BenchOptions,
  statements: StatementCounts,
  longevity: boolean,
): Promise<{ run: BackendRun; longevity?: LongevityFigures | { error: string } }> {
  // Steady load: each visit opens this long before its deadline, as visits open through a day.
  const steadyAheadMs = options.quick ? 10_000 : 60_000;
  const stack = await startStack(options.basePort, { backend, workers: options.workers });
  // Ctrl-C or a kill must not leave the bench's servers behind.
  const interrupted = () => void stack.stop().finally(() => process.exit(130));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, interrupted);
  say(`measuring processes ${JSON.stringify(stack.pids)} on Temporal ${backend}`);
  const sampler = new ProcessSampler(stack.pids);
  sampler.start();
  let connection: Connection | undefined;
  const db = createDb(stack.databaseUrl, { poolSize: 4 });
  try {
    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: 'default', dataConverter: dataConverter(stack.payloadKeys) });
    const spreadMs = options.spreadMinutes * 60_000;
    say(`${backend} steady: ${options.visits} visits, deadlines over ${options.spreadMinutes} min, baseline side by side`);
    const scenario = (deadlines: (t0: number) => number[], sideBySide: boolean, aheadMs: number) =>
      escalations(stack, client, db, sampler, statements, options, deadlines, sideBySide, aheadMs);
    const steady = await scenario((t0) => Array.from({ length: options.visits }, (_, i) => t0 + (i * spreadMs) / options.visits), true, steadyAheadMs);
    say(`${backend} burst: ${options.burst} deadlines in one second, ours then the baseline`);
    // Every burst workflow starts before the burst: allow ~25 starts/s (measured on a loaded machine).
    const burst = await scenario(
      (t0) => Array.from({ length: options.burst }, (_, i) => t0 + (i * 1000) / options.burst),
      false,
      (options.quick ? 5_000 : 15_000) + options.burst * 40,
    );
    say(`${backend} check-ins: ${options.rate}/s for ${options.checkInSeconds} s through the API`);
    const checkIns = await checkInScenario(stack, client, db, sampler, statements, options);

    let capacity: BackendRun['capacity'];
    if (options.capacity) {
      const deps = {
        stack,
        client,
        db,
        sampler,
        statements,
        policy: benchPolicy(options.graceSeconds * 1000),
        windowMs: options.capacityMinutes * 60_000,
        settleMs: options.quick ? 15_000 : 60_000,
      };
      const ours = await searchCapacity(oursAtSize(deps, say), options.capacityFrom, options.capacityMax);
      const baseline = await searchCapacity(baselineAtSize(deps, say), options.capacityFrom, options.capacityMax);
      capacity = { ours, baseline };
    }
    // Last: its visits stay open (deadlines hours away) and would load whatever ran after them.
    let openVisits: BackendRun['openVisits'];
    if (options.openVisits) {
      say(`${backend} open visits: ${options.openVisits} held open, then ${options.openVisitRounds} round(s) of one check-in each at ${options.rate}/s`);
      openVisits = await orError(() =>
        openVisitsScenario(stack, client, db, sampler, benchPolicy(options.graceSeconds * 1000), options.openVisits, options.rate, options.openVisitRounds, (r) =>
          say(`${backend} open visits, ${roundRow(r).slice(1).join(': ')}`),
        ),
      );
    }

    const plan = longevity
      ? await orError(() => {
          say(`plan longevity: ${options.planMonths} monthly reviews on the time-skipping server`);
          return planLongevity({
            months: options.planMonths,
            databaseUrl: stack.databaseUrl,
            smtpUrl: stack.sink.url,
            publicUrl: stack.publicUrl,
            linkSecret: 'bench-link-signing-secret-of-32-chars-or-more',
            payloadKeys: stack.payloadKeys,
          });
        })
      : undefined;
    return { run: { backend, steady, burst, checkIns, capacity, openVisits, temporal: { ...stack.temporalIssues, log: stack.temporalLog } }, longevity: plan };
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, interrupted);
    sampler.stop();
    await db.$disconnect();
    await connection?.close();
    await stack.stop();
  }
}

/** One backend's column of the table. */
function backendRows(run: BackendRun, options: BenchOptions): Row[] {
  const { steady, burst, checkIns, capacity } = run;
  const steadyAheadMs = options.quick ? 10_000 : 60_000;
  return [
    ['steady', 'visits / spread min / started ahead s', `${options.visits} / ${options.spreadMinutes} / ${steadyAheadMs / 1000}`],
    ...escalationRows('steady', steady),
    ['burst', 'visits in one second', options.burst],
    ...escalationRows('burst', burst),
    ...('error' in checkIns
      ? [['check-ins', 'failed', checkIns.error] as Row]
      : [
          [
            'check-ins',
            'warm-up, the first after the API started (not counted): sent, p50 / p99 / max ms',
            `${checkIns.warmUp.sent}, ${checkIns.warmUp.p50Ms} / ${checkIns.warmUp.p99Ms} / ${checkIns.warmUp.maxMs}`,
          ] as Row,
          ['check-ins', 'rate/s × s (sent)', `${checkIns.rate} × ${checkIns.seconds} (${checkIns.sent})`] as Row,
          ['check-ins', 'p50 / p99 / max ms', `${checkIns.p50Ms} / ${checkIns.p99Ms} / ${checkIns.maxMs}`, 'p99 ≤ 50'] as Row,
          ['check-ins', 'errors / late client starts', `${checkIns.errors} / ${checkIns.lateStarts}`, 'errors 0'] as Row,
          ['check-ins', 'bare signals after them, same rate: p50 / p99 / max ms', `${checkIns.baseline.p50Ms} / ${checkIns.baseline.p99Ms} / ${checkIns.baseline.maxMs}`] as Row,
          ['check-ins', 'bare signals: errors / late client starts', `${checkIns.baseline.errors} / ${checkIns.baseline.lateStarts}`] as Row,
          ['check-ins', 'p99 ratio ours:bare signal', Math.round((checkIns.p99Ms / checkIns.baseline.p99Ms) * 10) / 10] as Row,
          ...processRows('check-ins', checkIns.processes),
        ]),
    ...costRows('per visit to first escalation', steady.costs),
    ...('error' in checkIns ? [] : costRows('per check-in', checkIns.costs)),
    ...(capacity
      ? ([
          ['capacity', 'open visits at p99 ≤ 1 s, none missing (ours / baseline)', `${capacityFigure(capacity.ours)} / ${capacityFigure(capacity.baseline)}`, 'ours ≥ 10000'],
        ] as Row[])
      : []),
    ...openVisitRows(run.openVisits),
    ['temporal', 'server warnings / errors / deadline exceeded', `${run.temporal.warn} / ${run.temporal.error} / ${run.temporal.deadlineExceeded}`],
  ];
}

function openVisitRows(open: BackendRun['openVisits']): Row[] {
  if (!open) return [];
  if ('error' in open) return [['open visits', 'failed', open.error]];
  return [
    ['open visits', 'held open / opened per s', `${open.openVisits} / ${open.opensPerSecond}`],
    ['open visits', 'one check-in each: p50 / p99 / max ms, errors', `${open.checkIns.p50Ms} / ${open.checkIns.p99Ms} / ${open.checkIns.maxMs}, ${open.checkIns.errors}`],
    ['open visits', 'check-ins recorded / all recorded s after the last answer', `${open.recorded}/${open.openVisits} / ${open.allRecordedAfterSeconds ?? 'n/a'}`, 'all'],
    ...processRows('open visits', open.processes),
    ...(open.rounds.length > 1 ? open.rounds.map(roundRow) : []),
  ];
}

function roundRow(r: CheckInRound): Row {
  const cpu = Object.entries(r.cpuMsPerCheckIn)
    .map(([proc, ms]) => `${proc} ${ms}`)
    .join(', ');
  return [
    'open visits',
    `round ${r.round}: p50 / p99 ms, errors, recorded after s; history events; CPU ms per check-in; worker peak RSS MiB`,
    `${r.checkIns.p50Ms} / ${r.checkIns.p99Ms}, ${r.checkIns.errors}, ${r.allRecordedAfterSeconds ?? 'n/a'}; ${r.historyEvents}; ${cpu}; ${r.processes.worker?.peakRssMiB ?? 'n/a'}`,
  ];
}

const capacityFigure = (c: CapacityCurve) => `${c.atLeast ? '≥ ' : ''}${c.capacity}`;

function longevityRows(longevity: LongevityFigures | { error: string }): Row[] {
  if ('error' in longevity) return [['plan', 'failed', longevity.error]];
  return [
    ['plan', 'months (reviews) / runs', `${longevity.months} / ${longevity.runs}`],
    ['plan', 'history events per run', longevity.eventsPerRun.join(', ')],
    ['plan', 'emails sent / wall s', `${longevity.emailsSent} / ${longevity.wallSeconds}`],
  ];
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const benchStarted = Date.now();
  const tuning = Object.fromEntries(TUNING_VARIABLES.filter((v) => process.env[v]).map((v) => [v, process.env[v]]));
  say(`options ${JSON.stringify(options)}; tuning ${JSON.stringify(tuning)}`);
  // Every process the stack starts counts its database statements, and BENCH_CPU_PROF_DIR profiles the worker (bench/preload.cjs).
  const statementsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-bench-statements-'));
  Object.assign(process.env, StatementCounts.preload(statementsDir));
  const statements = new StatementCounts(statementsDir);
  const runs: BackendRun[] = [];
  let longevity: LongevityFigures | { error: string } | undefined;
  try {
    for (const backend of options.temporal) {
      const measured = await runBackend(backend, options, statements, longevity === undefined);
      runs.push(measured.run);
      longevity ??= measured.longevity;
    }
  } finally {
    fs.rmSync(statementsDir, { recursive: true, force: true });
  }
  const columns = Object.fromEntries(runs.map((run) => [run.backend, backendRows(run, options)]));
  const file = saveResults(options.quick ? 'quick' : 'full', {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    temporalBackends: options.temporal,
    workers: options.workers,
    machine: machine(),
    options,
    tuning,
    wallSeconds: Math.round((Date.now() - benchStarted) / 1000),
    longevity,
    backends: Object.fromEntries(
      runs.map((run) => [
        run.backend,
        {
          steady: run.steady,
          burst: run.burst,
          checkIns: run.checkIns,
          costs: { perVisit: run.steady.costs, perCheckIn: 'error' in run.checkIns ? null : run.checkIns.costs },
          capacity: run.capacity && {
            ours: run.capacity.ours.capacity,
            baseline: run.capacity.baseline.capacity,
            ratio: ratio(run.capacity.ours.capacity, run.capacity.baseline.capacity),
            curves: run.capacity,
          },
          openVisits: run.openVisits,
          temporal: run.temporal,
        },
      ]),
    ),
  });
  process.stdout.write(`${columnsTable(columns)}\n\n`);
  if (longevity) process.stdout.write(`${table(longevityRows(longevity))}\n\n`);
  const breakdowns = runs.flatMap((r) => [
    ...(['steady', 'burst'] as const).flatMap((scenario) =>
      (['ours', 'baseline'] as const).map((design) => ({ label: `${r.backend} ${scenario}, ${design}`, breakdown: r[scenario].breakdown[design] })),
    ),
    ...(['ours', 'baseline'] as const).flatMap(
      (design) => r.capacity?.[design].points.map((p) => ({ label: `${r.backend} capacity ${p.size}, ${design}`, breakdown: p.breakdown })) ?? [],
    ),
  ]);
  process.stdout.write(`Where the first alerts' lateness went (sampled alerts, stage by stage):\n\n${breakdownTable(breakdowns)}\n\n`);
  for (const run of runs) if (run.capacity) process.stdout.write(`Capacity on ${run.backend} (${options.workers} worker process(es)):\n\n${capacityTable(run.capacity)}\n\n`);
  say(`figures saved to ${file}`);
  // A smoke check (CI) fails when a scenario could not run at all; times are never asserted.
  if (runs.some((r) => 'error' in r.checkIns || (r.openVisits && 'error' in r.openVisits)) || (longevity && 'error' in longevity)) process.exitCode = 1;
}

runMain('bench', main);
