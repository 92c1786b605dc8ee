import { planStateQuery, planWorkflowId, recordReviewUpdate, requestUnscheduledReviewUpdate } from '../workflows/plan-contract';
import { toDateString } from '../workflows/working-days';
import { DAY_MS, HOUR_MS, notifyTime, planSuite, practitioner, review } from './helpers/plans';
import { replay, saveHistoryFixture } from './helpers/history-fixtures';
import { askingWith } from './helpers/requests';
import { terminateWhenQuiet } from './helpers/temporal';

// Its own time-skipping server: the long hand-over timeline must not share a clock with tests
// that leave rejected updates behind on the Java test server.
describe('A plan that lives long (continue-as-new and replay)', () => {
  const suite = planSuite();
  const ask = askingWith(() => suite.harness.db);
  const { startLive, sleepUntil, today, mailFor } = suite;

  it('When the plan continues as new, then its state and open timers carry over and its history replays on the current code', async () => {
    // Five changes make this run hand over: made, live, request, review, then the first reminder.
    const { handle, input } = await startLive((now) => ({ policy: { continueAsNewAfterEvents: 5 }, firstReviewDate: toDateString(now + 90 * DAY_MS) }));
    const firstRun = (await handle.describe()).runId;
    const requested = await ask(handle, requestUnscheduledReviewUpdate, [
      { onBehalfOfAdult: true, reasons: ['not_working'], evidence: 'Money still going missing', by: practitioner },
    ]);
    const nextReviewDate = toDateString((await suite.env.currentTimeMs()) + 80 * DAY_MS);
    await ask(handle, recordReviewUpdate, [{ ...review('continue_further_enquiries', await today(), { nextReviewDate }), by: practitioner }]);
    const escalation = (n: number) => mailFor(input.planId, `Unscheduled review request awaiting decision (escalation ${n})`);

    await sleepUntil(notifyTime(requested.decisionDueDate) + HOUR_MS);
    await suite.harness.smtp.waitFor(1, escalation(1));
    await sleepUntil(notifyTime(requested.decisionDueDate) + 2 * DAY_MS + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, escalation(2)))[0].to).toEqual(['safeguarding-lead@example.org']);
    expect(suite.harness.smtp.messages.filter(escalation(1))).toHaveLength(1);
    const state = await handle.query(planStateQuery);
    expect((await handle.describe()).runId).not.toBe(firstRun);
    expect(state.runs).toBe(2);
    expect(state).toMatchObject({ status: 'live', lastReview: { outcome: 'continue_further_enquiries' }, review: { number: 2, dueDate: nextReviewDate } });
    expect(state.requests.map((r) => r.id)).toEqual([requested.id]);

    const firstHistory = await suite.env.client.workflow.getHandle(planWorkflowId(input.planId), firstRun).fetchHistory();
    expect(firstHistory.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    await replay(firstHistory, planWorkflowId(input.planId));
    // RECORD_PLAN_HISTORY=<name> keeps this run as a fixture, so later code must replay it too.
    if (process.env.RECORD_PLAN_HISTORY) await saveHistoryFixture(`plan-history-${process.env.RECORD_PLAN_HISTORY}.json`, planWorkflowId(input.planId), firstHistory);
    await terminateWhenQuiet(handle);
  });
});
