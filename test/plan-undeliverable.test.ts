import { fetchRuns } from '../operations/history';
import { timelineOf } from '../operations/timeline';
import { planStateQuery } from '../workflows/plan-contract';
import { toDateString } from '../workflows/working-days';
import { DAY_MS, HOUR_MS, notifyTime, planContent, planSuite } from './helpers/plans';
import { terminateWhenQuiet } from './helpers/temporal';

describe('A message that cannot be delivered (time-skipping server, PostgreSQL, SMTP refusing one address)', () => {
  const suite = planSuite();
  const { startLive, sleepUntil, mailFor } = suite;

  it("When an action owner's address is mistyped, then the manager is told, and every later reminder and the hand-over to a new run keep their times", async () => {
    const mistyped = 'sam.lee@commnity-bank.example';
    suite.harness.smtp.rejectRecipient(mistyped);
    const { handle, input } = await startLive((now) => ({
      // Made, live, the failure and the notice about it: the fourth change hands over to a new run.
      policy: { continueAsNewAfterEvents: 4 },
      firstReviewDate: toDateString(now + 30 * DAY_MS),
      content: planContent({
        actions: [{ id: 'a1', description: 'Meet the bank with the adult', owner: { name: 'Sam Lee', email: mistyped }, dueDate: toDateString(now + 10 * DAY_MS) }],
      }),
    }));
    const firstRun = (await handle.describe()).runId;
    const actionDue = notifyTime(input.content.actions[0].dueDate);
    const reviewDue = notifyTime(input.firstReviewDate);
    const { db, smtp } = suite.harness;

    // Two hours cover every attempt's backoff, should the refusal be treated as transient.
    await sleepUntil(actionDue - 3 * DAY_MS + 2 * HOUR_MS);
    const [notice] = await smtp.waitFor(1, mailFor(input.planId, 'A message could not be delivered: plan-action-reminder message to the action owner'));
    expect(notice.to).toEqual(['manager@example.org']);
    expect(notice.text).toMatch(/550|does not exist/);

    await sleepUntil(reviewDue - 14 * DAY_MS - HOUR_MS);
    expect(smtp.messages.filter(mailFor(input.planId, 'Safeguarding plan review due in 14 days'))).toHaveLength(0);
    await sleepUntil(reviewDue - 14 * DAY_MS + HOUR_MS);
    await smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan review due in 14 days'));
    await sleepUntil(actionDue + DAY_MS + HOUR_MS);
    expect((await smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan action overdue')))[0].to).toEqual(['lead@example.org']);

    expect((await handle.describe()).runId).not.toBe(firstRun);
    expect((await handle.query(planStateQuery)).outbox).toEqual([]);
    const failed = await db.planEvent.findFirstOrThrow({ where: { planId: input.planId, type: 'notification_failed' } });
    expect(failed.data).toMatchObject({ key: 'action-a1:remind', template: 'plan-action-reminder', told: 'manager' });
    expect(await db.notificationDelivery.findFirstOrThrow({ where: { idempotencyKey: `${handle.workflowId}:action-a1:remind` } })).toMatchObject({
      status: 'rejected',
      recipient: mistyped,
    });
    expect(smtp.messages.filter((m) => m.to.includes(mistyped))).toHaveLength(0);
    // What an operator's timeline of the plan shows (GET /operator/workflows/{id}/timeline).
    const timeline = await timelineOf(suite.env.client, await fetchRuns(suite.env.client, handle.workflowId), 'plan');
    expect(timeline.some((e) => /^gave up trying to .*550/.test(e.meaning))).toBe(true);
    await terminateWhenQuiet(handle);
  });
});
