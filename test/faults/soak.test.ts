import { report, useStack } from '../helpers/processes';
import { CI_SIZE, runSoak, type SoakOptions } from '../soak/soak';

// `npm run soak -- --minutes 20 --visits 500` passes its size here; without it, the CI size.
const options: SoakOptions = { ...CI_SIZE, ...(process.env.SOAK_OPTIONS ? (JSON.parse(process.env.SOAK_OPTIONS) as Partial<SoakOptions>) : {}) };
const stackOf = useStack();
// Only through `npm run soak` (CI runs it as its own step, alone: it loads the machine as no other
// file does), never beside other fault files in the faults project.
const soak = process.env.SOAK_OPTIONS ? test : test.skip;

soak(
  `When ${options.visits} visits and ${options.plans} plans run through ${options.minutes} minutes of faults, then nothing owed is lost, nothing is sent twice, no plan stalls and every accepted action is in history`,
  async () => {
    const result = await runSoak(stackOf(), options, report);
    report(`soak ${JSON.stringify(options)}\n${result.table}`);
    expect(result.failures).toEqual([]);
    expect(result.visits.due + result.plans.due).toBeGreaterThan(0);
  },
  options.minutes * 60_000 + 600_000,
);
