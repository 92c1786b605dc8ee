// Many visits open at once, as a day's lone working holds them (deadlines hours away), and
// check-ins on every one of them: what the worker's memory does when the open visits outnumber
// its sticky cache, so a check-in may find its visit evicted and replay it, and what such a
// replay costs as a shift's check-ins lengthen each visit's history (`--open-visit-rounds`).
import type { Client } from '@temporalio/client';
import type { Db } from '../lib/db';
import { visitWorkflowId } from '../workflows/visit-contract';
import type { VisitPolicy } from '../workflows/visit-policy';
import { checkInTraffic, openVisitsWithTokens, type CheckInFigures } from './checkins';
import { sampledCounts } from './costs';
import type { ProcessFigures, ProcessSampler } from './process-stats';
import type { Stack } from './stack';

/** One check-in on every open visit, in the order they opened (the cache's worst case: least recently used first). */
export interface CheckInRound {
  round: number;
  checkIns: CheckInFigures;
  /** From the round's last answer until every check-in of it was recorded (null when some never were within the wait). */
  allRecordedAfterSeconds: number | null;
  /** A visit's history length after the round (the mean of a few): what an evicted visit replays on its next task. */
  historyEvents: number;
  /** CPU time each process spent per check-in, from the round's first request to its last record. */
  cpuMsPerCheckIn: Record<string, number>;
  processes: Record<string, ProcessFigures>;
}

export interface OpenVisitFigures {
  openVisits: number;
  /** Opening them all (user, token, workflow start and first row each), and the rate that made. */
  openSeconds: number;
  opensPerSecond: number;
  /** The first round, as every run measures it. */
  checkIns: CheckInFigures;
  /** Visits that recorded a check-in, and when the first round's were all recorded. */
  recorded: number;
  allRecordedAfterSeconds: number | null;
  /** Every round (`--open-visit-rounds`, 1 by default). */
  rounds: CheckInRound[];
  /** From the first start to the last record: peak RSS and CPU of each process. */
  processes: Record<string, ProcessFigures>;
}

const RECORD_WAIT_MS = 600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Check-ins `visitIds` have recorded, and how many visits recorded one. */
async function checkInsRecorded(db: Db, visitIds: string[]): Promise<{ rows: number; visits: number }> {
  const [{ rows, visits }] = await db.$queryRaw<Array<{ rows: bigint; visits: bigint }>>`
    SELECT count(*) AS rows, count(DISTINCT "visitId") AS visits FROM "VisitEvent" WHERE "type" = 'checked-in' AND "visitId" = ANY(${visitIds}::text[])`;
  return { rows: Number(rows), visits: Number(visits) };
}

/** Opens `count` visits, then checks in on each once per round at `rate` per second, and measures each round. */
export async function openVisitsScenario(
  stack: Stack,
  client: Client,
  db: Db,
  sampler: ProcessSampler,
  policy: VisitPolicy,
  count: number,
  rate: number,
  rounds = 1,
  onRound: (round: CheckInRound) => void = () => {},
): Promise<OpenVisitFigures> {
  const from = Date.now();
  const walkers = await openVisitsWithTokens(db, client, count, policy);
  const openSeconds = (Date.now() - from) / 1000;
  const visitIds = walkers.map((w) => w.visitId);
  await sleep(2_000);
  const measured: CheckInRound[] = [];
  let recorded = { rows: 0, visits: 0 };
  // Check-ins answered 202 so far: each must be recorded; one that failed need not be.
  let accepted = 0;
  for (let round = 1; round <= rounds; round++) {
    const roundFrom = Date.now();
    const checkIns = await checkInTraffic(stack.apiUrl, walkers, rate, count / rate);
    accepted += checkIns.sent - checkIns.errors;
    const answered = Date.now();
    const until = answered + RECORD_WAIT_MS;
    recorded = await checkInsRecorded(db, visitIds);
    while (recorded.rows < accepted && Date.now() < until) {
      await sleep(1_000);
      recorded = await checkInsRecorded(db, visitIds);
    }
    const allRecorded = recorded.rows >= accepted;
    const processes = sampler.window(roundFrom, Date.now());
    const figures: CheckInRound = {
      round,
      checkIns,
      allRecordedAfterSeconds: allRecorded ? Math.round((Date.now() - answered) / 100) / 10 : null,
      historyEvents: (await sampledCounts(client, visitIds.map(visitWorkflowId))).events,
      cpuMsPerCheckIn: Object.fromEntries(Object.entries(processes).map(([name, f]) => [name, Math.round((f.cpuSeconds / count) * 1000 * 10) / 10])),
      processes,
    };
    measured.push(figures);
    onRound(figures);
    if (!allRecorded) break;
  }
  return {
    openVisits: count,
    openSeconds: Math.round(openSeconds * 10) / 10,
    opensPerSecond: Math.round((count / openSeconds) * 10) / 10,
    checkIns: measured[0].checkIns,
    recorded: recorded.visits,
    allRecordedAfterSeconds: measured[0].allRecordedAfterSeconds,
    rounds: measured,
    processes: sampler.window(from, Date.now()),
  };
}
