import { declinedSupportWorkflow } from '../workflows/declined-support';
import { closeDeclinedSupportUpdate, declinedSupportWorkflowId, recordContactUpdate } from '../workflows/declined-support-contract';
import { disagreementWorkflow } from '../workflows/disagreement';
import { disagreementWorkflowId, respondToDisagreementUpdate } from '../workflows/disagreement-contract';
import { endPlanUpdate, requestUnscheduledReviewUpdate, rescheduleReviewUpdate } from '../workflows/plan-contract';
import { addDays, dateStartMs, toDateString } from '../workflows/working-days';
import { historyFixtures, loadHistoryFixture, replay, saveHistoryFixture } from './helpers/history-fixtures';
import { DAY_MS, declinedSupportInput, disagreementInput, HOUR_MS, manager, notifyTime, planContent, planSuite, practitioner, review } from './helpers/plans';
import { askingWith } from './helpers/requests';

// Each scenario walks one workflow through its sends, escalations and decisions, then replays
// its history on the code under test. RECORD_HISTORY=<tag> keeps the histories as fixtures, so
// code written later must replay them too (the workflows run for months: old histories live on).
describe('Plan, declined-support and disagreement histories replay on the current code', () => {
  const suite = planSuite();
  const ask = askingWith(() => suite.harness.db);
  const { startLive, sleepUntil, today } = suite;

  async function keep(kind: string, workflowId: string): Promise<void> {
    const history = await suite.env.client.workflow.getHandle(workflowId).fetchHistory();
    await replay(history, workflowId);
    if (process.env.RECORD_HISTORY) await saveHistoryFixture(`${kind}-history-${process.env.RECORD_HISTORY}.json`, workflowId, history);
  }

  it('When a plan is reminded, escalated, chased for a decision and an action, has its review moved to a day whose reminder hour has passed, then ends, then its history replays', async () => {
    const { handle, input } = await startLive((now) => ({
      firstReviewDate: toDateString(now + 20 * DAY_MS),
      content: planContent({
        actions: [{ id: 'a1', description: 'Meet the bank with the adult', owner: { name: 'Sam Lee', email: 'owner@example.org' }, dueDate: toDateString(now + 10 * DAY_MS) }],
      }),
    }));
    const requested = await ask(handle, requestUnscheduledReviewUpdate, [{ onBehalfOfAdult: false, reasons: ['not_working'], evidence: 'Money still missing', by: practitioner }]);
    await sleepUntil(notifyTime(input.firstReviewDate) + 4 * DAY_MS + HOUR_MS);
    await suite.harness.smtp.waitFor(1, (m) => m.to.includes('owner@example.org'));
    expect(requested.decisionDueDate < input.firstReviewDate).toBe(true);
    // Set at 15:00 for the same day: its 09:00 reminders had passed when the date was set.
    const movedOn = await today();
    await sleepUntil(dateStartMs(movedOn) + 15 * HOUR_MS);
    await ask(handle, rescheduleReviewUpdate, [{ newDate: movedOn, rationale: 'Meeting brought forward', by: manager }]);
    await sleepUntil(notifyTime(addDays(movedOn, 1)) + HOUR_MS);
    await ask(handle, endPlanUpdate, [{ ending: review('end', movedOn).ending!, by: manager }]);
    await handle.result();
    await keep('plan', handle.workflowId);
  });

  it('When declined support is followed up and closed, then its history replays', async () => {
    const input = declinedSupportInput({ policy: { followUpEveryDays: 7 } });
    const startedMs = await suite.env.currentTimeMs();
    const handle = await suite.env.client.workflow.start(declinedSupportWorkflow, {
      workflowId: declinedSupportWorkflowId(input.caseId),
      taskQueue: suite.harness.taskQueue,
      args: [input],
    });
    await sleepUntil(startedMs + 8 * DAY_MS);
    await ask(handle, recordContactUpdate, [{ outcome: 'still_declines', note: 'Still no', by: practitioner }]);
    await sleepUntil(startedMs + 22 * DAY_MS);
    await ask(handle, closeDeclinedSupportUpdate, [{ rationale: 'Moved away', by: manager }]);
    await handle.result();
    await keep('declined-support', handle.workflowId);
  });

  it('When a disagreement is chased up its ladder and then answered, then its history replays', async () => {
    const input = disagreementInput({ policy: { escalateEveryDays: 2 } });
    const handle = await suite.env.client.workflow.start(disagreementWorkflow, {
      workflowId: disagreementWorkflowId(input.disagreementId),
      taskQueue: suite.harness.taskQueue,
      args: [input],
    });
    await sleepUntil((await suite.env.currentTimeMs()) + 14 * DAY_MS);
    await ask(handle, respondToDisagreementUpdate, [{ finalDecision: 'Supervision reduced', rationale: 'Distress outweighs the risk', by: manager }]);
    await handle.result();
    await keep('disagreement', handle.workflowId);
  });

  it('When every stored history is replayed on the current code, then each is deterministic', async () => {
    const files = historyFixtures();
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const { workflowId, history } = loadHistoryFixture(file);
      await replay(history, workflowId);
    }
  });
});
