// `npm run bench [-- --quick] [--visits N] [--minutes W] [--rate R] [--capacity]`: brings the
// stack up on the bench's own ports, runs the scenarios (and with --capacity the capacity
// search), prints the tables and saves the figures.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { dataConverter } from '../lib/data-converter';
import { createDb } from '../lib/db';
import { runMain } from '../lib/run-main';
import { baselineAtSize, capacityTable, oursAtSize, searchCapacity, type CapacityCurve } from './capacity';
import { checkInTraffic, openVisitsWithTokens } from './checkins';
import { baselineCheckInCounts, countsDelta, historyCounts, meanCounts, sampledCounts, scale, StatementCounts, type Costs, type HistoryCounts } from './costs';
import { visitWorkflowId } from '../workflows/visit-contract';
import { arrived, awaitAlerts, FIRST_ESCALATION_SUBJECT, startBaselines, startVisits, type ExpectedAlert, type LatenessFigures, type Starts } from './deadlines';
import { planLongevity } from './longevity';
import { parseOptions, type BenchOptions } from './options';
import { benchPolicy } from './policy';
import { ProcessSampler, type ProcessFigures } from './process-stats';
import { machine, saveResults, table, type Row } from './report';
import { startStack, type Stack } from './stack';

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
  sampler: ProcessSampler,
  statements: StatementCounts,
  options: BenchOptions,
  deadlines: (t0: number) => number[],
  sideBySide: boolean,
  aheadMs: number,
): Promise<Escalations> {
  const policy = benchPolicy(options.graceSeconds * 1000);
  const settleMs = options.quick ? 15_000 : 120_000;
  const from = Date.now();
  const statementsBefore = await statements.total([stack.pids.worker, stack.pids.baseline]);
  const firstDeadlines = () => deadlines(Date.now() + aheadMs + 5_000);
  const ourDeadlines = firstDeadlines();
  const slot = sideBySide && ourDeadlines.length > 1 ? (ourDeadlines[1] - ourDeadlines[0]) / 2 : 0;
  // The baseline's timer is due when our first escalation is: deadline + grace.
  const baselineDue = (ds: number[]) => ds.map((d) => d + slot + policy.graceMs);
  const ourStarts: Starts = { aheadMs, lateIfWithinMs: policy.reminderBeforeMs, late: 0 };
  const baselineStarts: Starts = { aheadMs: aheadMs + policy.graceMs, lateIfWithinMs: policy.reminderBeforeMs + policy.graceMs, late: 0 };
  const last = (alerts: ExpectedAlert[]) => Math.max(...alerts.map((a) => a.dueAtMs)) + settleMs;
  const ourAlerts = startVisits(client, ourDeadlines, policy, ourStarts);
  const oursDone = ourAlerts.then((alerts) => awaitAlerts(stack.sink, alerts, FIRST_ESCALATION_SUBJECT, last(alerts)));
  const baselineAlerts = (sideBySide ? Promise.resolve(ourDeadlines) : oursDone.then(firstDeadlines)).then((ds) => startBaselines(client, baselineDue(ds), baselineStarts));
  const baselineDone = baselineAlerts.then((alerts) => awaitAlerts(stack.sink, alerts, null, last(alerts)));
  const [ours, baseline] = await Promise.all([oursDone, baselineDone]);
  if (ourStarts.late || baselineStarts.late)
    say(`WARNING: ${ourStarts.late + baselineStarts.late} workflows started late: the server could not start them as fast as the scenario asks`);
  const processes = sampler.window(from, Date.now());
  // Statements of both workers over the scenario: the baseline's worker has no database, so all are ours.
  const statementsAfter = await statements.total([stack.pids.worker, stack.pids.baseline]);
  const perVisit = statementsBefore === null || statementsAfter === null ? null : Math.round(((statementsAfter - statementsBefore) / ours.expected) * 10) / 10;
  const sampled = async (alerts: Promise<ExpectedAlert[]>, subject: string | null) =>
    sampledCounts(
      client,
      arrived(stack.sink, await alerts, subject).map((a) => a.workflowId),
    );
  const costs = { ours: { ...(await sampled(ourAlerts, FIRST_ESCALATION_SUBJECT)), statements: perVisit }, baseline: { ...(await sampled(baselineAlerts, null)), statements: 0 } };
  return { ours, baseline, lateStarts: { ours: ourStarts.late, baseline: baselineStarts.late }, processes, costs };
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
    [name, 'throughput ratio ours:baseline', ratio(ours.alertsPerSecond, baseline.alertsPerSecond), '≥ 0.5'],
    [name, 'p99 lateness ratio ours:baseline', ratio(ours.p99Ms, baseline.p99Ms)],
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
    proc === 'worker' && scenario === 'steady' ? 'RSS ≤ 1024' : undefined,
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

async function main() {
  const options = parseOptions(process.argv.slice(2));
  // Steady load: each visit opens this long before its deadline, as visits open through a day.
  const steadyAheadMs = options.quick ? 10_000 : 60_000;
  const benchStarted = Date.now();
  const tuning = Object.fromEntries(TUNING_VARIABLES.filter((v) => process.env[v]).map((v) => [v, process.env[v]]));
  say(`options ${JSON.stringify(options)}; tuning ${JSON.stringify(tuning)}`);
  // Every process the stack starts counts its database statements, and BENCH_CPU_PROF_DIR profiles the worker (bench/preload.cjs).
  const statementsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-bench-statements-'));
  Object.assign(process.env, StatementCounts.preload(statementsDir));
  const statements = new StatementCounts(statementsDir);
  const stack = await startStack(options.basePort, {}, options.temporal);
  // Ctrl-C or a kill must not leave the bench's servers behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stack.stop().finally(() => process.exit(130)));
  say(`measuring processes ${JSON.stringify(stack.pids)} on Temporal ${stack.temporalBackend}`);
  const sampler = new ProcessSampler(stack.pids);
  sampler.start();
  let connection: Connection | undefined;
  const db = createDb(stack.databaseUrl, { poolSize: 4 });
  try {
    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: 'default', dataConverter: dataConverter(stack.payloadKeys) });
    const spreadMs = options.spreadMinutes * 60_000;
    say(`steady: ${options.visits} visits, deadlines over ${options.spreadMinutes} min, baseline side by side`);
    const steady = await escalations(
      stack,
      client,
      sampler,
      statements,
      options,
      (t0) => Array.from({ length: options.visits }, (_, i) => t0 + (i * spreadMs) / options.visits),
      true,
      steadyAheadMs,
    );
    say(`burst: ${options.burst} deadlines in one second, ours then the baseline`);
    // Every burst workflow starts before the burst: allow ~25 starts/s (measured on a loaded machine).
    const burst = await escalations(
      stack,
      client,
      sampler,
      statements,
      options,
      (t0) => Array.from({ length: options.burst }, (_, i) => t0 + (i * 1000) / options.burst),
      false,
      (options.quick ? 5_000 : 15_000) + options.burst * 40,
    );

    say(`check-ins: ${options.rate}/s for ${options.checkInSeconds} s through the API`);
    const checkIns = await orError(async () => {
      const walkers = await openVisitsWithTokens(db, client, Math.min(200, Math.ceil(options.rate)), benchPolicy(options.graceSeconds * 1000));
      await sleep(2_000);
      // A few walkers' histories before and after, divided by the check-ins each of them sent.
      const sample = walkers.slice(0, 3).map((w) => visitWorkflowId(w.visitId));
      const historyBefore = await Promise.all(sample.map((id) => historyCounts(client, id)));
      const statementsBefore = await statements.total([stack.pids.worker, stack.pids.api]);
      const checkInFrom = Date.now();
      const figures = await checkInTraffic(stack.apiUrl, walkers, options.rate, options.checkInSeconds);
      const processes = sampler.window(checkInFrom, Date.now());
      await sleep(2_000);
      const statementsAfter = await statements.total([stack.pids.worker, stack.pids.api]);
      const historyAfter = await Promise.all(sample.map((id) => historyCounts(client, id)));
      const sentTo = (i: number) => Math.floor(figures.sent / walkers.length) + (i < figures.sent % walkers.length ? 1 : 0);
      const perCheckIn: HistoryCounts = meanCounts(sample.map((_, i) => scale(countsDelta(historyBefore[i], historyAfter[i]), 1 / sentTo(i))));
      const costs: Costs = {
        ...perCheckIn,
        sampled: sample.length,
        statements: statementsBefore === null || statementsAfter === null ? null : Math.round(((statementsAfter - statementsBefore) / figures.sent) * 10) / 10,
      };
      return { ...figures, processes, costs: { ours: costs, baseline: { ...(await baselineCheckInCounts(client)), statements: 0 } } };
    });

    let capacity: { ours: CapacityCurve; baseline: CapacityCurve } | undefined;
    if (options.capacity) {
      const deps = {
        stack,
        client,
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

    say(`plan longevity: ${options.planMonths} monthly reviews on the time-skipping server`);
    const longevity = await orError(() =>
      planLongevity({
        months: options.planMonths,
        databaseUrl: stack.databaseUrl,
        smtpUrl: stack.sink.url,
        publicUrl: stack.publicUrl,
        linkSecret: 'bench-link-signing-secret-of-32-chars-or-more',
        payloadKeys: stack.payloadKeys,
      }),
    );

    const rows: Row[] = [
      ['steady', 'visits / spread min / started ahead s', `${options.visits} / ${options.spreadMinutes} / ${steadyAheadMs / 1000}`],
      ...escalationRows('steady', steady),
      ['burst', 'visits in one second', options.burst],
      ...escalationRows('burst', burst),
      ...('error' in checkIns
        ? [['check-ins', 'failed', checkIns.error] as Row]
        : [
            ['check-ins', 'rate/s × s (sent)', `${checkIns.rate} × ${checkIns.seconds} (${checkIns.sent})`] as Row,
            ['check-ins', 'p50 / p99 / max ms', `${checkIns.p50Ms} / ${checkIns.p99Ms} / ${checkIns.maxMs}`, 'p99 ≤ 50'] as Row,
            ['check-ins', 'errors / late client starts', `${checkIns.errors} / ${checkIns.lateStarts}`, 'errors 0'] as Row,
            ...processRows('check-ins', checkIns.processes),
          ]),
      ...('error' in longevity
        ? [['plan', 'failed', longevity.error] as Row]
        : [
            ['plan', 'months (reviews) / runs', `${longevity.months} / ${longevity.runs}`] as Row,
            ['plan', 'history events per run', longevity.eventsPerRun.join(', ')] as Row,
            ['plan', 'emails sent / wall s', `${longevity.emailsSent} / ${longevity.wallSeconds}`] as Row,
          ]),
      ...costRows('per visit to first escalation', steady.costs),
      ...('error' in checkIns ? [] : costRows('per check-in', checkIns.costs)),
      ...(capacity
        ? ([['capacity', 'open visits at p99 ≤ 1 s, none missing (ours / baseline)', `${capacity.ours.capacity} / ${capacity.baseline.capacity}`, 'ours ≥ 10000']] as Row[])
        : []),
      [
        'temporal',
        `${stack.temporalBackend}: server warnings / errors / deadline exceeded`,
        `${stack.temporalIssues.warn} / ${stack.temporalIssues.error} / ${stack.temporalIssues.deadlineExceeded}`,
      ],
    ];
    const file = saveResults(options.quick ? 'quick' : 'full', {
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      temporalBackend: stack.temporalBackend,
      machine: machine(),
      options,
      tuning,
      wallSeconds: Math.round((Date.now() - benchStarted) / 1000),
      steady,
      burst,
      checkIns,
      longevity,
      costs: { perVisit: steady.costs, perCheckIn: 'error' in checkIns ? null : checkIns.costs },
      capacity: capacity && {
        ours: capacity.ours.capacity,
        baseline: capacity.baseline.capacity,
        ratio: ratio(capacity.ours.capacity, capacity.baseline.capacity),
        curves: capacity,
      },
      temporal: { ...stack.temporalIssues, log: stack.temporalLog },
    });
    process.stdout.write(`${table(rows)}\n\n`);
    if (capacity) process.stdout.write(`${capacityTable(capacity)}\n\n`);
    say(`figures saved to ${file}`);
    // A smoke check (CI) fails when a scenario could not run at all; times are never asserted.
    if ('error' in checkIns || 'error' in longevity) process.exitCode = 1;
  } finally {
    sampler.stop();
    await db.$disconnect();
    await connection?.close();
    await stack.stop();
    fs.rmSync(statementsDir, { recursive: true, force: true });
  }
}

runMain('bench', main);
