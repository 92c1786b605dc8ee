import { parseArgs } from 'node:util';
import { backendFromArgs, type TemporalBackend } from '../infra/temporal-backend';

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
  /** First port of the block the bench's own servers listen on. */
  basePort: number;
  /** Which Temporal the run measures (`--temporal=dev|server|cluster`), started fresh for the run. */
  temporal: TemporalBackend;
}

const positive = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return value;
};

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
      'base-port': { type: 'string' },
      temporal: { type: 'string' },
    },
  });
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
    // Below 32768: the real server's membership ports (basePort + 24 on) must fit a smallint.
    basePort: positive('base-port', values['base-port'], 27000),
    temporal: backendFromArgs(values.temporal ? [`--temporal=${values.temporal}`] : [], 'dev'),
  };
}
