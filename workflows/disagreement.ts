// A professional disagreement with a plan decision: the manager gives a final decision with a
// rationale within a response time, or is reminded and then the safeguarding lead is told,
// repeatedly, as for an unscheduled review request.
import { allHandlersFinished, condition, continueAsNew, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/contract';
import { UNTIL_DONE_OPTIONS } from './activity-options';
import { doneBeforeDeadline } from './deadline';
import {
  disagreementQuery,
  DISAGREEMENT_DEFAULTS_BEFORE_RESOLUTION,
  respondToDisagreementUpdate,
  type DisagreementInput,
  type DisagreementRecipient,
  type DisagreementState,
  type RespondRequest,
} from './disagreement-contract';
import { createOutbox } from './outbox';
import { refusing, required } from './rules';
import { decisionDueLadder, nextLadderStep } from './plan-schedule';
import { addWorkingDays, dateStartMs, toDateString } from './working-days';
import { servingRequests } from './requests';

const { recordDisagreementChange } = proxyActivities<Activities>(UNTIL_DONE_OPTIONS);

const refuseIf = refusing('DisagreementRuleViolation');

/** Who hears when a reminder cannot be delivered. */
const NEXT_AFTER: Record<DisagreementRecipient, DisagreementRecipient> = { manager: 'safeguardingLead', safeguardingLead: 'manager' };

export async function disagreementWorkflow(input: DisagreementInput): Promise<DisagreementState> {
  const policy = { ...DISAGREEMENT_DEFAULTS_BEFORE_RESOLUTION, ...input.policy };
  const workflowId = workflowInfo().workflowId;
  const { policy: _policy, carried, contacts, ...about } = input;
  const state: DisagreementState = carried ?? {
    disagreementId: input.disagreementId,
    planId: input.planId,
    team: input.team,
    status: 'awaiting_response',
    raisedAt: new Date().toISOString(),
    responseDueDate: addWorkingDays(toDateString(Date.now()), policy.responseWorkingDays, policy.nonWorkingDates),
    escalations: 0,
    sent: [],
    outbox: [],
    changeSeq: 0,
    eventsThisRun: 0,
    runs: 1,
  };
  /** Records not yet written: a hand-over waits for them, so no run leaves a change behind. */
  let writing = 0;
  async function record(summary: string): Promise<void> {
    state.changeSeq = (state.changeSeq ?? 0) + 1;
    state.eventsThisRun = (state.eventsThisRun ?? 0) + 1;
    const change = { key: `${workflowId}:change-${state.changeSeq}`, input: about, state: JSON.parse(JSON.stringify(state)), summary, at: new Date().toISOString() };
    writing++;
    try {
      await recordDisagreementChange(change);
    } finally {
      writing--;
    }
  }

  setHandler(disagreementQuery, () => state);
  const serve = servingRequests();
  serve(
    respondToDisagreementUpdate,
    async ({ finalDecision, rationale, by }) => {
      state.status = 'decided';
      state.response = { finalDecision, rationale, by, at: new Date().toISOString() };
      await record(`Final decision: ${finalDecision}`);
      return state;
    },
    {
      validator: ({ finalDecision, rationale, by }: RespondRequest) => {
        refuseIf([
          ...(state.status === 'decided' ? ['the disagreement already has a final decision'] : []),
          ...(by.actorRole === 'manager' ? [] : ['only the manager gives the final decision']),
          ...required(finalDecision, 'the final decision'),
          ...required(rationale, 'the rationale'),
        ]);
      },
    },
  );

  if (!carried) await record(`Disagreement raised about ${input.decisionRef}`);
  // The ladder repeats until answered: it never ends, so there is always a next step.
  const ladder = () =>
    nextLadderStep(
      decisionDueLadder('response', dateStartMs(state.responseDueDate) + policy.notifyHourUtc * 60 * 60 * 1000, policy.escalateEveryDays, 'disagreement-response-due', {
        disagreementId: state.disagreementId,
        planId: state.planId,
        responseDueDate: state.responseDueDate,
      }),
      new Set(state.sent),
    )!;
  const decided = () => state.status === 'decided';
  const outbox = createOutbox<DisagreementRecipient>({
    workflowId,
    subjectType: 'plan_disagreement',
    subjectId: state.disagreementId,
    pending: (state.outbox ??= []),
    address: (to) => (typeof to === 'string' ? contacts[to].email : to.email),
    nextAfter: (to) => (typeof to === 'string' ? NEXT_AFTER[to] : 'manager'),
    describe: (m) => `${m.template} reminder to the ${String(m.to)}`,
    delivered: (m) => record(`${m.template} sent to ${String(m.to)}`),
    undelivered: (m, error, told) => record(`${m.template} could not be delivered to ${String(m.to)}${told ? `; ${told} told` : ''}: ${error}`),
  });
  // Decided once per run: disagreements raised before this replay as they ran, without hand-overs.
  const handsOver = patched('disagreement-continues-as-new');
  /** Time to hand over: only while nothing is in flight, so no send or record is left behind. */
  const handOver = () => handsOver && (workflowInfo().continueAsNewSuggested || (state.eventsThisRun ?? 0) >= policy.continueAsNewAfterEvents) && outbox.idle() && writing === 0;
  for (;;) {
    if (
      await doneBeforeDeadline(
        () => decided() || handOver(),
        () => ladder().atMs,
      )
    ) {
      if (decided()) break;
      await condition(allHandlersFinished);
      // The ladder's place (keys sent) and the record count travel in the state.
      await continueAsNew<typeof disagreementWorkflow>({ ...input, policy, carried: { ...state, eventsThisRun: 0, runs: (state.runs ?? 1) + 1 } });
    }
    const step = ladder();
    state.sent.push(step.key);
    if (step.to === 'safeguardingLead') state.escalations++;
    const message = { key: step.key, to: step.to as DisagreementRecipient, template: step.template, data: step.data };
    if (patched('disagreement-sends-beside-ladder')) {
      outbox.send(message);
      continue;
    }
    await outbox.sendInLoop(message);
    await record(`${step.template} sent to ${String(step.to)}`);
  }
  await condition(() => allHandlersFinished() && outbox.idle());
  return state;
}
