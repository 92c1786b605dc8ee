import { disagreementWorkflow } from '../workflows/disagreement';
import { disagreementQuery, disagreementWorkflowId, resolveDisagreementPolicy, respondToDisagreementUpdate } from '../workflows/disagreement-contract';
import { rescheduleReviewUpdate } from '../workflows/plan-contract';
import { addWorkingDays, dateStartMs, toDateString } from '../workflows/working-days';
import { eventually } from './helpers/eventually';
import { replay } from './helpers/history-fixtures';
import { DAY_MS, disagreementInput, HOUR_MS, manager, notifyTime, planSuite } from './helpers/plans';
import { askingWith } from './helpers/requests';
import { terminateWhenQuiet } from './helpers/temporal';

describe('Plan and disagreement timetables (time-skipping server, PostgreSQL, SMTP)', () => {
  const suite = planSuite();
  const ask = askingWith(() => suite.harness.db);
  const { startLive, sleepUntil, today, mailFor } = suite;

  it('When a review is moved to today after the reminder hour, then the manager is told at once that it is due today', async () => {
    const { handle, input } = await startLive((now) => ({ firstReviewDate: toDateString(now + 40 * DAY_MS) }));
    const day = await today();
    await sleepUntil(dateStartMs(day) + DAY_MS + 15 * HOUR_MS);
    const movedTo = await today();
    await ask(handle, rescheduleReviewUpdate, [{ newDate: movedTo, rationale: 'The adult asked to meet today', by: manager }]);
    const movedAt = await suite.env.currentTimeMs();
    await sleepUntil(movedAt + 60_000);
    const [due] = await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan review due today'));
    expect(due.to).toEqual(['manager@example.org']);
    expect(due.text).toContain(movedTo);
    // The rest keep their planned times: the overdue step is tomorrow at the reminder hour, not now.
    expect(suite.harness.smtp.messages.filter(mailFor(input.planId, 'Safeguarding plan review overdue (escalation 1)'))).toHaveLength(0);
    await sleepUntil(notifyTime(movedTo) + DAY_MS + HOUR_MS);
    await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan review overdue (escalation 1)'));
    await terminateWhenQuiet(handle);
  });

  it('When a disagreement goes unanswered for weeks, then it hands over to new runs with bounded histories and keeps chasing every 2 days until answered', async () => {
    const input = disagreementInput({ policy: resolveDisagreementPolicy({ continueAsNewAfterEvents: 3 }) });
    const { disagreementId } = input;
    const tag = disagreementId.slice(0, 8);
    const raisedMs = await suite.env.currentTimeMs();
    const handle = await suite.env.client.workflow.start(disagreementWorkflow, {
      workflowId: disagreementWorkflowId(disagreementId),
      taskQueue: suite.harness.taskQueue,
      args: [input],
    });
    const firstRun = (await handle.describe()).runId;
    const dueMs = notifyTime(addWorkingDays(toDateString(raisedMs), 5, []));
    const toLead = () => suite.harness.smtp.messages.filter((m) => m.to.includes(`sg-${tag}@example.org`));
    // Manager on the due day, then the safeguarding lead on days 2, 4, ... 20.
    await sleepUntil(dueMs + 20 * DAY_MS + HOUR_MS);
    await eventually(async () => toLead().length === 10);
    expect(toLead().at(-1)!.subject).toBe('Professional disagreement awaiting a final decision (escalation 11)');

    const state = await handle.query(disagreementQuery);
    expect(state.runs).toBeGreaterThan(2);
    const first = await suite.env.client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
    expect(first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(first.events!.length).toBeLessThan(80);
    await replay(first, handle.workflowId);

    await ask(handle, respondToDisagreementUpdate, [{ finalDecision: 'Supervision reduced', rationale: 'Distress outweighs the residual risk', by: manager }]);
    await handle.result();
    const row = await eventually(() => suite.harness.db.planDisagreement.findFirst({ where: { id: disagreementId, status: 'decided' } }));
    expect(row).toMatchObject({ escalations: 10, finalDecision: 'Supervision reduced' });
  });
});
