// Many visits open at once, as a day's lone working holds them (deadlines hours away), and a
// check-in on every one of them: what the worker's memory does when the open visits outnumber
// its sticky cache, so a check-in may find its visit evicted and replay it.
import type { Client } from '@temporalio/client';
import type { Db } from '../lib/db';
import type { VisitPolicy } from '../workflows/visit-policy';
import { checkInTraffic, openVisitsWithTokens, type CheckInFigures } from './checkins';
import type { ProcessFigures, ProcessSampler } from './process-stats';
import type { Stack } from './stack';

export interface OpenVisitFigures {
  openVisits: number;
  /** Opening them all (user, token, workflow start and first row each), and the rate that made. */
  openSeconds: number;
  opensPerSecond: number;
  /** One check-in per open visit through the API, in the order they opened (the cache's worst case: least recently used first). */
  checkIns: CheckInFigures;
  /** Check-ins the visits recorded (rows) within RECORD_WAIT_MS of the last answer. */
  recorded: number;
  /** From the last answer until every check-in was recorded: the backlog the worker had left (null when some never were within the wait). */
  allRecordedAfterSeconds: number | null;
  /** From the first start to the last record: peak RSS and CPU of each process. */
  processes: Record<string, ProcessFigures>;
}

const RECORD_WAIT_MS = 600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many of `visitIds` have recorded a check-in. */
async function checkedIn(db: Db, visitIds: string[]): Promise<number> {
  const [{ count }] = await db.$queryRaw<Array<{ count: bigint }>>`
    SELECT count(DISTINCT "visitId") AS count FROM "VisitEvent" WHERE "type" = 'checked-in' AND "visitId" = ANY(${visitIds}::text[])`;
  return Number(count);
}

/** Opens `count` visits, then checks in on each once at `rate` per second, and measures. */
export async function openVisitsScenario(
  stack: Stack,
  client: Client,
  db: Db,
  sampler: ProcessSampler,
  policy: VisitPolicy,
  count: number,
  rate: number,
): Promise<OpenVisitFigures> {
  const from = Date.now();
  const walkers = await openVisitsWithTokens(db, client, count, policy);
  const openSeconds = (Date.now() - from) / 1000;
  await sleep(2_000);
  const checkIns = await checkInTraffic(stack.apiUrl, walkers, rate, count / rate);
  const visitIds = walkers.map((w) => w.visitId);
  const answered = Date.now();
  const until = answered + RECORD_WAIT_MS;
  let recorded = await checkedIn(db, visitIds);
  while (recorded < count && Date.now() < until) {
    await sleep(1_000);
    recorded = await checkedIn(db, visitIds);
  }
  return {
    openVisits: count,
    openSeconds: Math.round(openSeconds * 10) / 10,
    opensPerSecond: Math.round((count / openSeconds) * 10) / 10,
    checkIns,
    recorded,
    allRecordedAfterSeconds: recorded === count ? Math.round((Date.now() - answered) / 100) / 10 : null,
    processes: sampler.window(from, Date.now()),
  };
}
