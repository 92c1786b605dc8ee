import { parseArgs } from 'node:util';
import { backendFromArgs, TEMPORAL_BACKENDS, type TemporalBackend } from '../infra/temporal-backend';

/** Sizes of one bench run; `--quick` shrinks every scenario to a CI smoke check. */
export interface BenchOptions {
  quick: boolean;
  visits: number;
  spreadMinutes: number;
  burst: number;
  rate: number;
  checkInSeconds: number;
  /** Reviews simulated on the plan (monthly, so 60 is five years). */
  planMonths: number;
  /** Seconds between a visit's deadline and its first escalation (the policy's grace). */
  graceSeconds: number;
  /** How long the steady and burst scenarios wait for first alerts after the last one fell due; later ones count as missing. */
  settleSeconds: number;
  /** First port of the block the bench's own servers listen on. */
  basePort: number;
  /** Search capacity (bench/capacity.ts): sizes from `capacityFrom`, doubling up to `capacityMax`, deadlines over `capacityMinutes`. On by default, off with `--quick` or `--no-capacity`. */
  capacity: boolean;
  capacityFrom: number;
  capacityMax: number;
  capacityMinutes: number;
  /** Which Temporals the run measures, in turn (`--temporal=dev,server,cluster`, the default), each started fresh on a new store. */
  temporal: TemporalBackend[];
  /** Worker processes polling the service's task queue (`--workers`), so capacity can be measured per added worker. */
  workers: number;
  /** Visits held open at once, each then checked in on once at `rate` (bench/open-visits.ts); 0 skips it. */
  openVisits: number;
  /** Rounds of one check-in on every open visit: each round lengthens every history an evicted visit replays. */
  openVisitRounds: number;
}

const positive = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return value;
};

const wholeNumber = (name: string, raw: string | undefined, fallback: number): number => {
  const value = positive(name, raw, fallback);
  if (!Number.isInteger(value)) throw new Error(`--${name} must be a whole number, got "${raw}"`);
  return value;
};

/** A comma-separated list of backends, each named once, in the order given; all of them when unset. */
function backends(raw: string | undefined): TemporalBackend[] {
  if (raw === undefined) return [...TEMPORAL_BACKENDS];
  const names = raw.split(',').map((name) => backendFromArgs([`--temporal=${name.trim()}`], 'dev'));
  if (new Set(names).size !== names.length) throw new Error(`--temporal names a backend twice: "${raw}"`);
  return names;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      visits: { type: 'string' },
      minutes: { type: 'string' },
      burst: { type: 'string' },
      rate: { type: 'string' },
      'check-in-seconds': { type: 'string' },
      'plan-months': { type: 'string' },
      grace: { type: 'string' },
      settle: { type: 'string' },
      'base-port': { type: 'string' },
      capacity: { type: 'boolean' },
      'no-capacity': { type: 'boolean' },
      'capacity-from': { type: 'string' },
      'capacity-max': { type: 'string' },
      'capacity-minutes': { type: 'string' },
      temporal: { type: 'string' },
      workers: { type: 'string' },
      'open-visits': { type: 'string' },
      'open-visit-rounds': { type: 'string' },
    },
  });
  if (values.capacity && values['no-capacity']) throw new Error('--capacity and --no-capacity contradict each other');
  const quick = values.quick ?? false;
  return {
    quick,
    visits: positive('visits', values.visits, quick ? 100 : 10_000),
    spreadMinutes: positive('minutes', values.minutes, quick ? 0.25 : 10),
    burst: positive('burst', values.burst, quick ? 50 : 1_000),
    rate: positive('rate', values.rate, quick ? 20 : 200),
    checkInSeconds: positive('check-in-seconds', values['check-in-seconds'], quick ? 5 : 60),
    planMonths: positive('plan-months', values['plan-months'], quick ? 12 : 60),
    graceSeconds: positive('grace', values.grace, quick ? 5 : 30),
    settleSeconds: positive('settle', values.settle, quick ? 15 : 120),
    // Below 32768: the real server's membership ports (basePort + 24 on) must fit a smallint.
    basePort: positive('base-port', values['base-port'], 27000),
    temporal: backends(values.temporal),
    workers: wholeNumber('workers', values.workers, 1),
    openVisits: values['open-visits'] === '0' ? 0 : wholeNumber('open-visits', values['open-visits'], quick ? 100 : 10_000),
    openVisitRounds: wholeNumber('open-visit-rounds', values['open-visit-rounds'], 1),
    capacity: values.capacity ?? (!quick && !values['no-capacity']),
    capacityFrom: positive('capacity-from', values['capacity-from'], 250),
    capacityMax: positive('capacity-max', values['capacity-max'], 32_000),
    capacityMinutes: positive('capacity-minutes', values['capacity-minutes'], quick ? 0.25 : 2),
  };
}
