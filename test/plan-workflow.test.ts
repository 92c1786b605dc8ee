import { WorkflowFailedError } from '@temporalio/client';
import { REVIEW_OUTCOMES } from '../domain/plan/reviews';
import type { Consent } from '../domain/plan/types';
import {
  completeActionUpdate,
  decideUnscheduledReviewUpdate,
  endPlanUpdate,
  goLiveUpdate,
  planStateQuery,
  planWorkflowId,
  recordLegalAdviceUpdate,
  recordOneToOneReviewUpdate,
  recordReviewUpdate,
  requestUnscheduledReviewUpdate,
} from '../workflows/plan-contract';
import { addDays, toDateString } from '../workflows/working-days';
import { eventually } from './helpers/eventually';
import { DAY_MS, HOUR_MS, manager, notifyTime, planContent, planSuite, practitioner, review, supervisedContact } from './helpers/plans';
import { RequestRefusedError } from '../lib/workflow-requests';
import { askingWith } from './helpers/requests';
import { terminateWhenQuiet } from './helpers/temporal';

/** The reasons a request was refused with; fails the test if it was not. */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to be refused');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(RequestRefusedError);
      return (err as RequestRefusedError).message;
    },
  );

describe('A safeguarding plan over its life (time-skipping server, PostgreSQL, SMTP)', () => {
  const suite = planSuite();
  const ask = askingWith(() => suite.harness.db);
  const { start, startLive, sleepUntil, today, mailFor } = suite;
  /** What the plan's record holds: a refused request adds nothing to it. */
  const recordedChanges = (planId: string) => suite.harness.db.planEvent.count({ where: { planId } });

  it('When a plan goes live with its review in 30 days, then the lead practitioner is reminded 14 and 2 days before and the manager on the day', async () => {
    const { handle, input } = await startLive();
    const due = notifyTime(input.firstReviewDate);

    await sleepUntil(due - 14 * DAY_MS - HOUR_MS);
    expect(suite.harness.smtp.messages.filter((m) => m.text.includes(input.planId.slice(0, 8)))).toHaveLength(0);
    await sleepUntil(due - 14 * DAY_MS + HOUR_MS);
    const [first] = await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan review due in 14 days'));
    expect(first.to).toEqual(['lead@example.org']);
    await sleepUntil(due - 2 * DAY_MS + HOUR_MS);
    await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan review due in 2 days'));
    await sleepUntil(due + HOUR_MS);
    const [onTheDay] = await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan review due today'));
    expect(onTheDay.to).toEqual(['manager@example.org']);

    const deliveries = await suite.harness.db.notificationDelivery.findMany({ where: { subjectType: 'plan', subjectId: input.planId }, orderBy: { createdAt: 'asc' } });
    expect(deliveries.map((d) => [d.template, d.recipient, d.status])).toEqual([
      ['plan-review-reminder', 'lead@example.org', 'sent'],
      ['plan-review-reminder', 'lead@example.org', 'sent'],
      ['plan-review-due', 'manager@example.org', 'sent'],
    ]);
    expect(deliveries[0].idempotencyKey).toBe(`${planWorkflowId(input.planId)}:review-1.0:remind-14d`);
    expect(await suite.harness.db.planEvent.count({ where: { planId: input.planId, type: 'notified' } })).toBe(3);
    await terminateWhenQuiet(handle);
  });

  it('When a review goes unrecorded, then the manager and then the safeguarding lead are told, again every 7 days, until a review moves the date', async () => {
    const { handle, input } = await startLive();
    const due = notifyTime(input.firstReviewDate);
    const overdue = (n: number) => mailFor(input.planId, `Safeguarding plan review overdue (escalation ${n})`);

    await sleepUntil(due + DAY_MS + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, overdue(1)))[0].to).toEqual(['manager@example.org']);
    await sleepUntil(due + 3 * DAY_MS + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, overdue(2)))[0].to).toEqual(['safeguarding-lead@example.org']);
    await sleepUntil(due + 10 * DAY_MS + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, overdue(3)))[0].to).toEqual(['safeguarding-lead@example.org']);

    const recordedOn = await today();
    const summary = await ask(handle, recordReviewUpdate, [{ ...review('continue_unchanged', recordedOn), by: practitioner }]);
    expect(summary).toEqual({ status: 'live', nextReviewDate: addDays(recordedOn, 60), reviewNumber: 2 });

    await sleepUntil(due + 17 * DAY_MS + HOUR_MS);
    expect(suite.harness.smtp.messages.filter(overdue(4))).toHaveLength(0);
    await sleepUntil(notifyTime(addDays(recordedOn, 60)) - 14 * DAY_MS + HOUR_MS);
    await suite.harness.smtp.waitFor(1, (m) => mailFor(input.planId, 'Safeguarding plan review due in 14 days')(m) && m.text.includes('review 2 '));
    const row = await suite.harness.db.planReview.findFirstOrThrow({ where: { planId: input.planId } });
    expect(row).toMatchObject({ number: 1, outcome: 'continue_unchanged', nextReviewDate: addDays(recordedOn, 60), recordedById: 'prac-1' });
    await terminateWhenQuiet(handle);
  });

  it('When an unscheduled review request goes undecided, then the manager is reminded on the response date in working days and the safeguarding lead after', async () => {
    const { handle, input } = await startLive((now) => ({ firstReviewDate: toDateString(now + 90 * DAY_MS) }));
    const requested = await ask(handle, requestUnscheduledReviewUpdate, [
      { onBehalfOfAdult: true, reasons: ['adult_unhappy'], evidence: 'She says the supervised visits upset her', by: practitioner },
    ]);
    expect(new Date(`${requested.decisionDueDate}T00:00:00Z`).getUTCDay()).not.toBe(0);
    expect(requested.decisionDueDate > (await today())).toBe(true);
    const subject = (n: number) => mailFor(input.planId, `Unscheduled review request awaiting decision (escalation ${n})`);

    await sleepUntil(notifyTime(requested.decisionDueDate) + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, subject(1)))[0].to).toEqual(['manager@example.org']);
    await sleepUntil(notifyTime(requested.decisionDueDate) + 2 * DAY_MS + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, subject(2)))[0].to).toEqual(['safeguarding-lead@example.org']);
    expect((await suite.harness.db.planReviewRequest.findUniqueOrThrow({ where: { id: requested.id } })).status).toBe('awaiting_decision');
    await terminateWhenQuiet(handle);
  });

  it('When the manager decides an unscheduled review, then the plan review moves to the arranged date and the decision is recorded with rationale and views', async () => {
    const { handle, input } = await startLive((now) => ({ firstReviewDate: toDateString(now + 90 * DAY_MS) }));
    const requested = await ask(handle, requestUnscheduledReviewUpdate, [
      { onBehalfOfAdult: false, reasons: ['less_restrictive_option'], evidence: 'A befriending service now has places', by: practitioner },
    ]);
    const reviewDate = addDays(await today(), 7);
    const wrongRole = ask(handle, decideUnscheduledReviewUpdate, [
      { requestId: requested.id, decision: 'arrange_review', reviewDate, rationale: 'x', adultViews: 'y', by: practitioner },
    ]);
    expect(await rejection(wrongRole)).toContain('only a manager');
    const summary = await ask(handle, decideUnscheduledReviewUpdate, [
      { requestId: requested.id, decision: 'arrange_review', reviewDate, rationale: 'A less restrictive option deserves a look', adultViews: 'Keen to try it', by: manager },
    ]);
    expect(summary.nextReviewDate).toBe(reviewDate);
    await sleepUntil(notifyTime(reviewDate) - 2 * DAY_MS + HOUR_MS);
    await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan review due in 2 days'));
    expect(suite.harness.smtp.messages.filter(mailFor(input.planId, 'Unscheduled review request awaiting decision (escalation 1)'))).toHaveLength(0);
    expect(await suite.harness.db.planReviewRequest.findUniqueOrThrow({ where: { id: requested.id } })).toMatchObject({
      status: 'decided',
      decision: 'arrange_review',
      decidedById: 'mgr-1',
      adultViews: 'Keen to try it',
    });
    await terminateWhenQuiet(handle);
  });

  it('When an action falls due, then its owner is reminded before and the lead practitioner told once overdue; a completed action is not chased', async () => {
    const { handle, input } = await startLive((now) => ({
      content: planContent({
        actions: [
          {
            id: 'a1',
            description: 'Meet the bank with the adult',
            owner: { name: 'Sam Lee', email: 'owner@example.org', agency: 'Community Bank' },
            dueDate: toDateString(now + 10 * DAY_MS),
          },
          { id: 'a2', description: 'Change the locks', owner: { name: 'Housing', email: 'housing@example.org' }, dueDate: toDateString(now + 10 * DAY_MS) },
        ],
      }),
    }));
    await ask(handle, completeActionUpdate, [{ actionId: 'a2', note: 'Locks changed on Monday', by: practitioner }]);
    const due = notifyTime(input.content.actions[0].dueDate);
    await sleepUntil(due - 3 * DAY_MS + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan action due soon')))[0].to).toEqual(['owner@example.org']);
    await sleepUntil(due + DAY_MS + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan action overdue')))[0].to).toEqual(['lead@example.org']);
    expect(suite.harness.smtp.messages.filter((m) => m.text.includes('Change the locks'))).toHaveLength(0);
    await terminateWhenQuiet(handle);
  });

  it.each(REVIEW_OUTCOMES)('When a review is recorded with outcome %s, then the plan follows it and the decision is on record', async (outcome) => {
    const { handle, input } = await startLive();
    const on = await today();
    const by = outcome === 'end' ? manager : practitioner;
    const summary = await ask(handle, recordReviewUpdate, [{ ...review(outcome, on), by }]);
    const state = await handle.query(planStateQuery);
    if (outcome === 'end') {
      expect(summary).toMatchObject({ status: 'ended', nextReviewDate: null });
      expect(await handle.result()).toMatchObject({ status: 'ended' });
      expect(await suite.harness.db.plan.findUniqueOrThrow({ where: { id: input.planId } })).toMatchObject({
        status: 'ended',
        endingGround: 'risks_no_longer_exist',
        riskOutcome: 'removed',
      });
    } else {
      expect(summary).toEqual({ status: 'live', nextReviewDate: addDays(on, 60), reviewNumber: 2 });
      await terminateWhenQuiet(handle);
    }
    expect(state.lastReview).toMatchObject({ number: 1, outcome });
    if (outcome === 'amend_more_effective') expect(state.content.measures.map((m) => m.id)).toContain('m4');
    if (outcome === 'amend_less_restrictive') expect(state.content.measures.map((m) => m.id)).toEqual(['m1']);
    if (outcome === 'supplementary_action') expect(state.content.actions.map((a) => a.id)).toEqual(['a1', 'a2']);
    const decision = await suite.harness.db.planDecision.findFirstOrThrow({ where: { planId: input.planId, kind: 'review_outcome' } });
    expect(decision).toMatchObject({ decision: outcome, actorId: by.actorId, rationale: 'Reviewed with the adult and the bank' });
    expect(decision.adultViews).toBeTruthy();
  });

  it('When a review misses its next date or an amendment adds a restrictive measure without advice, then it is refused and nothing is recorded', async () => {
    const { handle, input } = await startLive();
    const before = await recordedChanges(input.planId);
    const on = await today();
    expect(await rejection(ask(handle, recordReviewUpdate, [{ ...review('continue_unchanged', on, { nextReviewDate: undefined }), by: practitioner }]))).toContain(
      'every outcome except ending sets the next review date',
    );
    expect(await rejection(ask(handle, recordReviewUpdate, [{ ...review('amend_more_effective', on, { amendedMeasures: [supervisedContact] }), by: practitioner }]))).toContain(
      'needs recorded legal advice',
    );
    expect(await recordedChanges(input.planId)).toBe(before);
    await terminateWhenQuiet(handle);
  });

  it('When the plan is ended on a wrong ground, then it is refused; on a right one it ends, and a review of the ended plan is refused', async () => {
    const { handle, input } = await startLive();
    const before = await recordedChanges(input.planId);
    const ending = review('end', await today()).ending!;
    expect(await rejection(ask(handle, endPlanUpdate, [{ ending: { ...ending, ground: 'adult_moved_away' as never }, by: manager }]))).toContain('a plan ends only when');
    expect(await rejection(ask(handle, endPlanUpdate, [{ ending: { ...ending, ground: 'managed_through_other_means', risk: 'reduced' }, by: manager }]))).toContain(
      'care and support plan',
    );
    expect(await rejection(ask(handle, endPlanUpdate, [{ ending, by: practitioner }]))).toContain('only a manager may end a plan');
    expect(await recordedChanges(input.planId)).toBe(before);

    await ask(handle, endPlanUpdate, [{ ending: { ...ending, ground: 'managed_through_other_means', carePlanRef: 'CSP-2291', risk: 'reduced' }, by: manager }]);
    expect(await handle.result()).toMatchObject({ status: 'ended' });
    await expect(ask(handle, recordReviewUpdate, [{ ...review('continue_unchanged', await today()), by: practitioner }])).rejects.toThrow();
    const plan = await suite.harness.db.plan.findUniqueOrThrow({ where: { id: input.planId } });
    expect(plan).toMatchObject({
      status: 'ended',
      endingGround: 'managed_through_other_means',
      riskOutcome: 'reduced',
      outcomesAchieved: [{ outcomeId: 'o1', achieved: 'fully' }],
    });
  });

  it('When a plan with a restrictive measure lacking legal advice is put live, then it is refused until the advice is recorded', async () => {
    const { handle, input } = await start(() => ({ content: planContent({ measures: [...planContent().measures, supervisedContact] }) }));
    expect(await rejection(ask(handle, goLiveUpdate, [{ by: manager }]))).toContain('measure m3 (supervise_contact) needs recorded legal advice');
    expect((await handle.query(planStateQuery)).status).toBe('draft');
    await ask(handle, recordLegalAdviceUpdate, [
      { measureId: 'm3', advice: { reference: 'LEGAL-77', summary: 'Proportionate for 3 months under Article 8', advisedOn: await today() }, by: practitioner },
    ]);
    expect(await ask(handle, goLiveUpdate, [{ by: manager }])).toMatchObject({ status: 'live' });
    expect(await suite.harness.db.planMeasure.findUniqueOrThrow({ where: { planId_id: { planId: input.planId, id: 'm3' } } })).toMatchObject({
      restrictive: true,
      legalAdviceRef: 'LEGAL-77',
    });
    await terminateWhenQuiet(handle);
  });

  it.each<[string, Consent, boolean]>([
    ['consent given', { basis: 'given', capacityConfirmed: true }, false],
    ['lacks capacity, best interests', { basis: 'lacks_capacity_best_interests', capacityAssessmentRef: 'MCA-19', bestInterestsRationale: 'Cannot weigh the risk' }, true],
    ['a child at risk', { basis: 'others_at_risk', atRisk: 'child', rationale: 'Grandchild stays at weekends' }, true],
    ['coercion', { basis: 'coercion_or_undue_influence', rationale: 'Nephew present at every conversation' }, true],
  ])('When the plan is made with %s, then it is flagged limited to necessary measures accordingly', async (_label, consent, limited) => {
    const { handle, input } = await start(() => ({ consent }));
    expect((await handle.query(planStateQuery)).limitedToNecessaryMeasures).toBe(limited);
    const row = await eventually(() => suite.harness.db.plan.findUnique({ where: { id: input.planId } }));
    expect(row).toMatchObject({ consentBasis: consent.basis, limitedToNecessary: limited });
    await terminateWhenQuiet(handle);
  });

  it('When consent is withheld and no capacity assessment is referenced, then the plan is not made', async () => {
    const { handle } = await start(() => ({ consent: { basis: 'lacks_capacity_best_interests', capacityAssessmentRef: ' ', bestInterestsRationale: 'x' } }));
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toContain('capacity assessment');
  });

  it('When consent is confirmed again at a review, then the limited-measures flag follows it', async () => {
    const { handle } = await startLive(() => ({ consent: { basis: 'coercion_or_undue_influence', rationale: 'Nephew present at every conversation' } }));
    await ask(handle, recordReviewUpdate, [{ ...review('continue_unchanged', await today()), by: practitioner }]);
    expect((await handle.query(planStateQuery)).limitedToNecessaryMeasures).toBe(false);
    await terminateWhenQuiet(handle);
  });
});

// Its own server: it walks weeks of time, and the Java test server does not skip time while an
// activity of a workflow terminated under it is still counted as in flight (terminating does not
// release that count). After the review-outcome tests it once waited 120 s of real time in CI.
describe('One-to-one support on its own cycle (time-skipping server of its own, PostgreSQL, SMTP)', () => {
  const suite = planSuite();
  const ask = askingWith(() => suite.harness.db);
  const { startLive, sleepUntil, today, mailFor } = suite;

  it('When one-to-one support is in the plan, then it is reviewed on its own shorter cycle bounded by its time limit', async () => {
    const oneToOne = {
      id: 'm5',
      kind: 'proactive' as const,
      type: 'one_to_one' as const,
      description: 'One-to-one support in the community',
      legalAdvice: { reference: 'LEGAL-80', summary: 'Lawful and proportionate', advisedOn: '2026-01-01' },
      oneToOne: {
        lessRestrictiveOptionsExplored: 'Group day service tried for 4 weeks',
        howItReducesRisk: 'Someone is present when the nephew visits',
        timeLimit: '',
        stepDownIntent: 'Reduce to two days a week after the first review',
      },
    };
    const { handle, input } = await startLive((now) => ({
      firstReviewDate: toDateString(now + 90 * DAY_MS),
      content: planContent({ measures: [{ ...oneToOne, oneToOne: { ...oneToOne.oneToOne, timeLimit: toDateString(now + 20 * DAY_MS) } }] }),
    }));
    const state = await handle.query(planStateQuery);
    const limit = input.content.measures[0].oneToOne!.timeLimit;
    expect(state.oneToOneReview).toMatchObject({ number: 1, dueDate: limit });
    await sleepUntil(notifyTime(limit) - 2 * DAY_MS + HOUR_MS);
    expect((await suite.harness.smtp.waitFor(1, mailFor(input.planId, 'Safeguarding plan one-to-one support review due in 2 days')))[0].to).toEqual(['lead@example.org']);

    const on = await today();
    const tooLate = ask(handle, recordOneToOneReviewUpdate, [
      { measureId: 'm5', decision: 'continue', nextReviewDate: addDays(on, 40), rationale: 'Still needed', adultViews: 'Likes her support worker', by: practitioner },
    ]);
    expect(await rejection(tooLate)).toContain('one-to-one support is reviewed again by');
    await ask(handle, recordOneToOneReviewUpdate, [
      { measureId: 'm5', decision: 'step_down', nextReviewDate: addDays(on, 1), rationale: 'Fewer incidents', adultViews: 'Wants more time alone', by: practitioner },
    ]);
    expect((await handle.query(planStateQuery)).oneToOneReview).toMatchObject({ number: 2, dueDate: addDays(on, 1) });
    expect(await suite.harness.db.planReview.findFirstOrThrow({ where: { planId: input.planId, kind: 'one_to_one' } })).toMatchObject({ outcome: 'step_down' });
    await terminateWhenQuiet(handle);
  });
});
