import { Worker } from '@temporalio/worker';
import { hashDuressCode } from '../lib/duress-code';
import * as contract from '../workflows/visit-contract';
import { fixturesStartingWith, loadHistoryFixture, saveHistoryFixture } from './helpers/history-fixtures';
import { LINK_SECRET, replayOptions } from './helpers/temporal';
import { asManager, asWorker, MIN, visitInput, visitSuite } from './helpers/visits';
import { askingWith } from './helpers/requests';

const resolution = (input: contract.VisitInput) => ({ ...asManager(input), outcome: 'worker-safe' as const, rationale: 'Spoke to the worker', reviewRiskAssessment: false });

// RECORD_VISIT_HISTORY=<tag> runs each scenario on the current code and keeps its history as
// test/fixtures/visit-history-<tag>-<scenario>.json, so every later change must replay it.
const recording = process.env.RECORD_VISIT_HISTORY;
(recording ? describe : describe.skip)('Recording visit histories', () => {
  const suite = visitSuite();
  const ask = askingWith(() => suite.harness.db);
  const at = async () => ({ startMs: await suite.env.currentTimeMs() });

  async function record(scenario: string, input: contract.VisitInput, run: (handle: Awaited<ReturnType<typeof suite.start>>) => Promise<void>) {
    const handle = await suite.start(input);
    await run(handle);
    await handle.result();
    // Let the last records and sends land before the history is read.
    await new Promise((r) => setTimeout(r, 1_000));
    await saveHistoryFixture(`visit-history-${recording}-${scenario}.json`, contract.visitWorkflowId(input.visitId), await handle.fetchHistory());
  }

  it('plain: checked in and out on time', async () => {
    const { input } = visitInput(await at());
    await record('plain', input, async (h) => {
      await suite.env.sleep(20 * MIN);
      await h.signal(contract.checkInSignal, asWorker(input));
      await suite.env.sleep(20 * MIN);
      await h.signal(contract.checkOutSignal, asWorker(input));
    });
  });

  it('ladder: every step, then the emergency contact takes charge', async () => {
    const { input } = visitInput(await at());
    await record('ladder', input, async (h) => {
      await suite.env.sleep(105 * MIN);
      await h.signal(contract.acknowledgeSignal, { actor: { id: 'oncall', role: 'emergency', name: 'On-call Desk' }, via: 'api' });
      await suite.env.sleep(10 * MIN);
      await ask(h, contract.resolveIncidentUpdate, [resolution(input)]);
    });
  });

  it('red flag: raised, repeated, taken charge of', async () => {
    const { input } = visitInput(await at());
    await record('red-flag', input, async (h) => {
      await suite.env.sleep(10 * MIN);
      await h.signal(contract.raiseRedFlagSignal, { ...asWorker(input), reason: 'Client became aggressive' });
      await suite.env.sleep(11 * MIN);
      await h.signal(contract.acknowledgeSignal, { ...asManager(input), via: 'api' });
      await h.signal(contract.checkOutSignal, asWorker(input));
      await ask(h, contract.resolveIncidentUpdate, [resolution(input)]);
    });
  });

  it('duress: checked out with the duress code', async () => {
    const { input } = visitInput({ ...(await at()), duressCodeHash: hashDuressCode('9911', LINK_SECRET) });
    await record('duress', input, async (h) => {
      await suite.env.sleep(15 * MIN);
      await h.signal(contract.checkInSignal, { ...asWorker(input), codeHash: hashDuressCode('1234', LINK_SECRET) });
      await h.signal(contract.checkOutSignal, { ...asWorker(input), codeHash: hashDuressCode('9911', LINK_SECRET) });
      await suite.env.sleep(7 * MIN);
      await h.signal(contract.acknowledgeSignal, { ...asManager(input), via: 'api' });
      await ask(h, contract.resolveIncidentUpdate, [resolution(input)]);
    });
  });

  it('extension: running late twice, then checked out', async () => {
    const { input } = visitInput(await at());
    const startMs = Date.parse(input.eta) - 60 * MIN;
    await record('extension', input, async (h) => {
      await suite.env.sleep(10 * MIN);
      await ask(h, contract.extendUpdate, [{ ...asWorker(input), eta: new Date(startMs + 90 * MIN).toISOString(), reason: 'Client upset' }]);
      await suite.env.sleep(15 * MIN);
      await h.signal(contract.checkInSignal, asWorker(input));
      await suite.env.sleep(10 * MIN);
      await ask(h, contract.extendUpdate, [{ ...asWorker(input), eta: new Date(startMs + 120 * MIN).toISOString(), reason: 'Still upset' }]);
      await suite.env.sleep(10 * MIN);
      await h.signal(contract.checkOutSignal, asWorker(input));
    });
  });

  it('scheduled: not started, flagged, then started late', async () => {
    const { startMs } = await at();
    const { input } = visitInput({ startMs, etaInMs: 150 * MIN, plannedStartAt: new Date(startMs + 60 * MIN).toISOString(), startedBy: { id: 'manager-x', role: 'manager' } });
    await record('scheduled', input, async (h) => {
      await suite.env.sleep(90 * MIN);
      await h.signal(contract.checkInSignal, asWorker(input));
      await ask(h, contract.resolveIncidentUpdate, [{ ...resolution(input), rationale: 'Started late: car trouble' }]);
      await suite.env.sleep(10 * MIN);
      await h.signal(contract.checkOutSignal, asWorker(input));
    });
  });
});

describe('Visit histories replay on the current code', () => {
  it('When every recorded visit history is replayed, then it is deterministic', async () => {
    const fixtures = fixturesStartingWith('visit-history-');
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
    for (const file of fixtures) {
      const { workflowId, history } = loadHistoryFixture(file);
      await Worker.runReplayHistory(replayOptions(), history, workflowId);
    }
  });
});
