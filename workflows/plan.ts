import { allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities, PlanChange } from '../activities/contract';
import { SA } from '../config/search-attributes';
import { decideCopy } from '../domain/plan/copies';
import { consentProblems, isLimitedToNecessaryMeasures } from '../domain/plan/consent';
import { endingProblems, type Ending } from '../domain/plan/ending';
import { isRestrictive, measureProblems, oneToOneMeasures } from '../domain/plan/measures';
import { reviewProblems } from '../domain/plan/reviews';
import type { DecisionBy, PlanContacts } from '../domain/plan/types';
import { UNTIL_DONE_OPTIONS } from './activity-options';
import { doneBeforeDeadline } from './deadline';
import { createOutbox } from './outbox';
import {
  completeActionUpdate,
  decideCopyUpdate,
  decideUnscheduledReviewUpdate,
  endPlanUpdate,
  goLiveUpdate,
  planStateQuery,
  recordLegalAdviceUpdate,
  recordOneToOneReviewUpdate,
  recordReviewUpdate,
  requestUnscheduledReviewUpdate,
  rescheduleReviewUpdate,
  UNSCHEDULED_DECISIONS,
  UNSCHEDULED_REASONS,
  type CompleteActionRequest,
  type CopyDecisionRequest,
  type DecideUnscheduledRequest,
  type EndPlanRequest,
  type GoLiveRequest,
  type LegalAdviceRequest,
  type OneToOneReviewRequest,
  type PlanInput,
  type RecordReviewRequest,
  type RescheduleReviewRequest,
  type UnscheduledReviewRequest,
  type PlanState,
  type PlanSummary,
  type ReviewTrack,
} from './plan-contract';
import { PLAN_DEFAULTS_BEFORE_RESOLUTION } from './plan-policy';
import { nextAlarm, pruneSent, type Alarm } from './plan-schedule';
import { servingRequests } from './requests';
import { refusing, required } from './rules';
import { addDays, addWorkingDays, toDateString } from './working-days';

// deliverNotification here only for histories from before sends left the main loop (unbounded, as then).
const { deliverNotification, recordPlanChange } = proxyActivities<Activities>(UNTIL_DONE_OPTIONS);

/** Sends go out beside the timetable, bounded, and a failure is told to the next person. */
const SENDS_BESIDE_TIMETABLE = 'plan-sends-beside-timetable';

const refuseIf = refusing('PlanRuleViolation');
const requireRole = (by: DecisionBy, roles: string[], what: string) => (roles.includes(by.actorRole) ? [] : [`only a ${roles.join(' or ')} may ${what}`]);

/** Who hears when a message cannot be delivered: the manager, and the safeguarding lead when it was the manager's. */
const NEXT_AFTER: Record<keyof PlanContacts, keyof PlanContacts> = { leadPractitioner: 'manager', manager: 'safeguardingLead', safeguardingLead: 'manager' };
const recipientName = (to: Alarm['to']) => (typeof to === 'string' ? to : 'action owner');

/** A new plan's state: a draft holding its agreed first review date. */
export function initialState(input: PlanInput): PlanState {
  return {
    planId: input.planId,
    team: input.team,
    status: 'draft',
    content: input.content,
    consent: input.consent,
    limitedToNecessaryMeasures: isLimitedToNecessaryMeasures(input.consent),
    contacts: input.contacts,
    review: { number: 1, dueDate: input.firstReviewDate, revision: 0, setAtMs: Date.now() },
    oneToOneReview: null,
    requests: [],
    sent: [],
    outbox: [],
    changeSeq: 0,
    eventsThisRun: 0,
    runs: 1,
    createdAt: new Date().toISOString(),
  };
}

/**
 * One safeguarding plan, from draft to its end months or years later: keeps every review,
 * unscheduled review request and action on time by reminding and escalating, and records
 * every decision with who, when, the rationale and the adult's views.
 */
export async function planWorkflow(input: PlanInput): Promise<PlanSummary> {
  const policy = { ...PLAN_DEFAULTS_BEFORE_RESOLUTION, ...input.policy };
  const state: PlanState = input.carried ?? initialState(input);
  const workflowId = workflowInfo().workflowId;
  const now = () => new Date().toISOString();
  const today = () => toDateString(Date.now());
  const summary = (): PlanSummary => ({ status: state.status, nextReviewDate: state.review?.dueDate ?? null, reviewNumber: state.review?.number ?? state.lastReview?.number ?? 0 });
  const notBefore = (date: string | undefined, what: string) => (date && date < today() ? [`${what} cannot be before today`] : []);
  const mustBe = (status: PlanState['status'], what: string) => (state.status === status ? [] : [`a ${state.status} plan cannot ${what}`]);

  let recorded: Promise<void> = Promise.resolve();
  /** Records not yet written: a hand-over waits for them, so no run leaves a change behind. */
  let writing = 0;
  async function record(change: Omit<PlanChange, 'key' | 'planId' | 'at' | 'state'>): Promise<void> {
    state.changeSeq++;
    state.eventsThisRun++;
    index();
    const payload: PlanChange = { ...change, key: `${workflowId}:change-${state.changeSeq}`, planId: state.planId, at: now(), state: JSON.parse(JSON.stringify(state)) };
    // Concurrent handlers once wrote the record side by side, and an older snapshot could land
    // last; changes are now written one after another, in the order they happened.
    if (!patched('plan-records-in-order')) return recordPlanChange(payload);
    const write = recorded.then(() => recordPlanChange(payload));
    recorded = write.catch(() => undefined);
    writing++;
    try {
      await write;
    } finally {
      writing--;
    }
  }

  function index(): void {
    if (!input.indexed) return;
    upsertSearchAttributes([
      { key: SA.kind, value: 'plan' },
      { key: SA.status, value: state.status },
      { key: SA.team, value: state.team },
      { key: SA.nextDeadline, value: state.review ? new Date(`${state.review.dueDate}T00:00:00Z`) : null },
    ]);
  }

  /** Decided when a date is set, so a plan replays the rule its dates were set under. */
  const lateRemindersAtOnce = () => patched('plan-late-reminders-at-once');
  const newTrack = (previous: ReviewTrack | null, dueDate: string, nextNumber: boolean): ReviewTrack => ({
    number: (previous?.number ?? 0) + (nextNumber || !previous ? 1 : 0),
    dueDate,
    revision: nextNumber || !previous ? 0 : previous.revision + 1,
    setAtMs: Date.now(),
    ...(lateRemindersAtOnce() ? { lateRemindersAtOnce: true } : {}),
  });

  /** One-to-one support has its own review cycle, never longer than policy or its time limit allows. */
  function syncOneToOneTrack(): void {
    const limits = oneToOneMeasures(state.content.measures).map((m) => m.oneToOne?.timeLimit ?? today());
    if (!limits.length) state.oneToOneReview = null;
    else if (!state.oneToOneReview) {
      const due = [addDays(today(), policy.oneToOneReviewMaxDays), ...limits].sort()[0];
      state.oneToOneReview = newTrack(null, due, true);
    }
  }

  function end(ending: Ending, by: DecisionBy): void {
    state.status = 'ended';
    state.ending = { ...ending, endedAt: now(), by };
    state.review = null;
    state.oneToOneReview = null;
    state.requests = [];
  }

  const endingRules = (ending: Ending, by: DecisionBy) => [...requireRole(by, ['manager'], 'end a plan'), ...endingProblems(ending, state.content.adult)];

  setHandler(planStateQuery, () => state);
  const serve = servingRequests();

  serve(
    goLiveUpdate,
    async ({ by }) => {
      state.status = 'live';
      state.liveAt = now();
      if (state.review) state.review = { ...state.review, setAtMs: Date.now(), ...(lateRemindersAtOnce() ? { lateRemindersAtOnce: true } : {}) };
      syncOneToOneTrack();
      await record({
        type: 'went_live',
        by,
        summary: 'The plan went live',
        decision: { kind: 'go_live', decision: 'live', rationale: 'restrictive measures have recorded legal advice' },
      });
      return summary();
    },
    {
      validator: ({ by }: GoLiveRequest) =>
        refuseIf([
          ...mustBe('draft', 'go live'),
          ...requireRole(by, ['manager', 'practitioner'], 'put a plan live'),
          ...measureProblems(state.content.measures, today()),
          ...notBefore(state.review?.dueDate, 'the first review date'),
        ]),
    },
  );

  serve(
    recordLegalAdviceUpdate,
    async ({ measureId, advice, by }) => {
      state.content.measures = state.content.measures.map((m) => (m.id === measureId ? { ...m, legalAdvice: advice } : m));
      await record({ type: 'legal_advice_recorded', by, summary: `Legal advice ${advice.reference} recorded for measure ${measureId}`, data: { measureId, advice } });
      return summary();
    },
    {
      validator: ({ measureId, advice, by }: LegalAdviceRequest) => {
        const measure = state.content.measures.find((m) => m.id === measureId);
        refuseIf([
          ...(state.status === 'ended' ? ['the plan has ended'] : []),
          ...requireRole(by, ['manager', 'practitioner'], 'record legal advice'),
          ...(!measure ? [`there is no measure ${measureId}`] : isRestrictive(measure.type) ? [] : [`measure ${measureId} is not restrictive`]),
          ...required(advice.reference, 'the advice reference'),
          ...required(advice.summary, 'the advice summary'),
        ]);
      },
    },
  );

  serve(
    recordReviewUpdate,
    async (review) => {
      const number = state.review?.number ?? 0;
      state.consent = review.consent;
      state.limitedToNecessaryMeasures = isLimitedToNecessaryMeasures(review.consent);
      if (review.amendedMeasures) state.content.measures = review.amendedMeasures;
      if (review.supplementaryActions) state.content.actions = [...state.content.actions, ...review.supplementaryActions];
      state.lastReview = { number, outcome: review.outcome, recordedAt: now(), by: review.by };
      if (review.ending) end(review.ending, review.by);
      else state.review = newTrack(state.review, review.nextReviewDate ?? today(), true);
      syncOneToOneTrack();
      await record({
        type: 'review_recorded',
        by: review.by,
        summary: `Review ${number}: ${review.outcome}`,
        review: { number, kind: 'scheduled', record: review },
        decision: { kind: 'review_outcome', decision: review.outcome, rationale: review.rationale, adultViews: review.adultViews },
      });
      return summary();
    },
    {
      validator: (review: RecordReviewRequest) =>
        refuseIf([
          ...mustBe('live', 'be reviewed'),
          ...requireRole(review.by, review.outcome === 'end' ? ['manager'] : ['manager', 'practitioner'], review.outcome === 'end' ? 'end a plan' : 'record a review'),
          ...reviewProblems(review, state.content, today()),
          ...(review.outcome === 'end' && review.ending ? endingRules(review.ending, review.by) : []),
        ]),
    },
  );

  serve(
    rescheduleReviewUpdate,
    async ({ newDate, rationale, by }) => {
      const from = state.review?.dueDate;
      state.review = newTrack(state.review, newDate, false);
      await record({ type: 'review_rescheduled', by, summary: `Review moved from ${from} to ${newDate}`, decision: { kind: 'reschedule_review', decision: newDate, rationale } });
      return summary();
    },
    {
      validator: ({ newDate, rationale, by }: RescheduleReviewRequest) =>
        refuseIf([
          ...mustBe('live', 'have its review moved'),
          ...requireRole(by, ['manager'], 'move a review'),
          ...notBefore(newDate, 'the review date'),
          ...required(rationale, 'the rationale'),
        ]),
    },
  );

  serve(
    requestUnscheduledReviewUpdate,
    async ({ onBehalfOfAdult, reasons, evidence, by }) => {
      const request = {
        id: uuid4(),
        requestedBy: by,
        onBehalfOfAdult,
        reasons,
        evidence,
        requestedAt: now(),
        decisionDueDate: addWorkingDays(today(), policy.unscheduledDecisionWorkingDays, policy.nonWorkingDates),
      };
      state.requests.push(request);
      await record({ type: 'unscheduled_review_requested', by, summary: `Unscheduled review requested: ${reasons.join(', ')}`, request });
      return request;
    },
    {
      validator: ({ reasons, evidence }: UnscheduledReviewRequest) =>
        refuseIf([
          ...mustBe('live', 'be reviewed'),
          ...(reasons.length && reasons.every((r) => (UNSCHEDULED_REASONS as readonly string[]).includes(r)) ? [] : [`reasons must be among ${UNSCHEDULED_REASONS.join(', ')}`]),
          ...required(evidence, 'the evidence'),
        ]),
    },
  );

  serve(
    decideUnscheduledReviewUpdate,
    async ({ requestId, decision, reviewDate, rationale, adultViews, by }) => {
      const request = state.requests.find((r) => r.id === requestId)!;
      // Decided requests live on in the database; the workflow keeps only what it must chase.
      state.requests = state.requests.filter((r) => r.id !== requestId);
      if (decision === 'arrange_review' && reviewDate) state.review = newTrack(state.review, reviewDate, false);
      await record({
        type: 'unscheduled_review_decided',
        by,
        summary: `Unscheduled review request: ${decision}${reviewDate ? ` on ${reviewDate}` : ''}`,
        request: { ...request, decision: { decision, reviewDate, rationale, adultViews, by, decidedAt: now() } },
        decision: { kind: 'unscheduled_review', decision, rationale, adultViews },
      });
      return summary();
    },
    {
      validator: ({ requestId, decision, reviewDate, rationale, adultViews, by }: DecideUnscheduledRequest) =>
        refuseIf([
          ...mustBe('live', 'be reviewed'),
          ...requireRole(by, ['manager'], 'decide on an unscheduled review'),
          ...(state.requests.some((r) => r.id === requestId) ? [] : [`no unscheduled review request ${requestId} awaits a decision`]),
          ...((UNSCHEDULED_DECISIONS as readonly string[]).includes(decision) ? [] : [`decision must be one of ${UNSCHEDULED_DECISIONS.join(', ')}`]),
          ...(decision === 'arrange_review' && !reviewDate ? ['arranging a review sets its date'] : notBefore(reviewDate, 'the review date')),
          ...required(rationale, 'the rationale'),
          ...required(adultViews, "the adult's views"),
        ]),
    },
  );

  serve(
    recordOneToOneReviewUpdate,
    async (review) => {
      const number = state.oneToOneReview?.number ?? 0;
      if (review.decision === 'end') {
        state.content.measures = state.content.measures.filter((m) => m.id !== review.measureId);
        state.oneToOneReview = null;
      } else state.oneToOneReview = newTrack(state.oneToOneReview, review.nextReviewDate!, true);
      syncOneToOneTrack();
      await record({
        type: 'one_to_one_reviewed',
        by: review.by,
        summary: `One-to-one review ${number}: ${review.decision}`,
        review: { number, kind: 'one_to_one', record: review },
        decision: { kind: 'one_to_one_review', decision: review.decision, rationale: review.rationale, adultViews: review.adultViews },
      });
      return summary();
    },
    {
      validator: ({ measureId, decision, nextReviewDate, rationale, adultViews, by }: OneToOneReviewRequest) => {
        const measure = oneToOneMeasures(state.content.measures).find((m) => m.id === measureId);
        const latest = [addDays(today(), policy.oneToOneReviewMaxDays), measure?.oneToOne?.timeLimit ?? today()].sort()[0];
        refuseIf([
          ...mustBe('live', 'be reviewed'),
          ...requireRole(by, ['manager', 'practitioner'], 'review one-to-one support'),
          ...(measure ? [] : [`there is no one-to-one measure ${measureId}`]),
          ...(decision === 'end'
            ? []
            : !nextReviewDate
              ? ['continuing one-to-one support sets its next review date']
              : [...notBefore(nextReviewDate, 'the next review'), ...(nextReviewDate > latest ? [`one-to-one support is reviewed again by ${latest}`] : [])]),
          ...required(rationale, 'the rationale'),
          ...required(adultViews, "the adult's views"),
        ]);
      },
    },
  );

  serve(
    completeActionUpdate,
    async ({ actionId, note, by }) => {
      state.content.actions = state.content.actions.map((a) => (a.id === actionId ? { ...a, completedAt: now() } : a));
      await record({ type: 'action_completed', by, summary: `Action ${actionId} completed: ${note}`, data: { actionId, note } });
      return summary();
    },
    {
      validator: ({ actionId }: CompleteActionRequest) =>
        refuseIf([
          ...mustBe('live', 'have actions completed'),
          ...(state.content.actions.some((a) => a.id === actionId && !a.completedAt) ? [] : [`there is no open action ${actionId}`]),
        ]),
    },
  );

  serve(
    endPlanUpdate,
    async ({ ending, by }) => {
      end(ending, by);
      await record({
        type: 'ended',
        by,
        summary: `Plan ended: ${ending.ground}`,
        decision: { kind: 'end_plan', decision: ending.ground, rationale: ending.rationale, adultViews: ending.adultViews },
      });
      return summary();
    },
    { validator: ({ ending, by }: EndPlanRequest) => refuseIf([...mustBe('live', 'end'), ...endingRules(ending, by)]) },
  );

  serve(
    decideCopyUpdate,
    async (request) => {
      const decision = decideCopy(request, state.content, state.consent);
      await record({
        type: 'copy_decided',
        by: request.by,
        summary: `Copy for ${request.recipient.kind}: ${decision.outcome}`,
        disclosure: { id: request.disclosureId, request, decision },
        decision: { kind: 'copy', decision: decision.outcome, rationale: [request.manager?.rationale, ...decision.reasons].filter(Boolean).join('; ') },
      });
      return decision;
    },
    {
      validator: ({ manager, by, disclosureId }: CopyDecisionRequest) => {
        const items = new Set([...state.content.risks, ...state.content.measures, ...state.content.actions].map((i) => i.id));
        refuseIf([
          ...(state.status === 'draft' ? ['a draft plan is not shared'] : []),
          ...requireRole(by, ['manager'], 'decide on a copy of the plan'),
          ...required(disclosureId, 'the copy id'),
          ...(manager ? required(manager.rationale, "the manager's rationale") : []),
          ...(manager?.omitItemIds ?? []).filter((id) => !items.has(id)).map((id) => `the plan has no item ${id} to omit`),
        ]);
      },
    },
  );

  if (!input.carried) {
    refuseIf([
      ...consentProblems(input.consent),
      ...required(input.benefitRationale, "the manager's rationale for the plan's benefit"),
      ...(input.content.risks.length ? [] : ['a plan sets out at least one specific risk']),
    ]);
    await record({
      type: 'created',
      by: input.createdBy,
      summary: state.limitedToNecessaryMeasures ? `Plan made without consent (${input.consent.basis}): limited to necessary measures` : 'Plan made with consent',
      decision: { kind: 'plan_benefit', decision: input.consent.basis, rationale: input.benefitRationale, adultViews: input.content.adult.views },
    });
  }
  index();

  const outbox = createOutbox<keyof PlanContacts>({
    workflowId,
    subjectType: 'plan',
    subjectId: state.planId,
    pending: (state.outbox ??= []),
    address: (to) => (typeof to === 'string' ? state.contacts[to].email : to.email),
    nextAfter: (to) => NEXT_AFTER[typeof to === 'string' ? to : 'leadPractitioner'],
    describe: (m) => `${m.template} message to the ${recipientName(m.to)}`,
    delivered: (m) => record({ type: 'notified', summary: `${m.template} sent to ${recipientName(m.to)}`, data: { key: m.key, template: m.template } }),
    undelivered: (m, error, told) =>
      record({
        type: 'notification_failed',
        summary: `${m.template} could not be delivered to ${recipientName(m.to)}${told ? `; ${told} told` : ''}: ${error}`,
        data: { key: m.key, template: m.template, error, told },
      }),
  });
  /** Time to hand over: only while no send is in flight, so none is left behind by the old run. */
  const handOver = () => (workflowInfo().continueAsNewSuggested || state.eventsThisRun >= policy.continueAsNewAfterEvents) && outbox.idle();
  const owed = () => nextAlarm(state, policy);
  while (state.status !== 'ended') {
    if (handOver()) {
      await condition(() => allHandlersFinished() && writing === 0);
      await continueAsNew<typeof planWorkflow>({ ...input, policy, carried: { ...state, sent: pruneSent(state, policy), eventsThisRun: 0, runs: state.runs + 1 } });
    }
    const interrupted = () => state.status === 'ended' || handOver() || !owed();
    const first = owed();
    if (!first) {
      await condition(() => state.status === 'ended' || handOver() || owed() !== null);
      continue;
    }
    if (await doneBeforeDeadline(interrupted, () => owed()?.atMs ?? first.atMs)) continue;
    const alarm = owed();
    if (!alarm) continue;
    if (patched(SENDS_BESIDE_TIMETABLE)) {
      state.sent.push(alarm.key);
      outbox.send({ key: alarm.key, to: alarm.to, template: alarm.template, data: { ...alarm.data, planId: state.planId } });
    } else await send(alarm);
  }
  await condition(() => allHandlersFinished() && outbox.idle());
  return summary();

  /** Before SENDS_BESIDE_TIMETABLE: the loop waited for each send. Kept for the plans that ran it. */
  async function send(alarm: Alarm): Promise<void> {
    state.sent.push(alarm.key);
    const to = typeof alarm.to === 'string' ? state.contacts[alarm.to].email : alarm.to.email;
    await deliverNotification({
      idempotencyKey: `${workflowId}:${alarm.key}`,
      to,
      template: alarm.template,
      data: { ...alarm.data, planId: state.planId },
      subjectType: 'plan',
      subjectId: state.planId,
    });
    await record({ type: 'notified', summary: `${alarm.template} sent to ${recipientName(alarm.to)}`, data: { key: alarm.key, template: alarm.template } });
  }
}
