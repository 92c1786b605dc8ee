// A professional disagreement with a plan decision: the manager gives a final decision with a
// rationale within a response time, or is reminded and then the safeguarding lead is told,
// repeatedly, as for an unscheduled review request.
import { allHandlersFinished, ApplicationFailure, condition, defineQuery, defineUpdate, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DecisionBy, PlanContacts } from '../domain/plan/types';
import { RECORD_OPTIONS } from './activity-options';
import { doneBeforeDeadline } from './deadline';
import { createOutbox, type OutgoingMessage } from './outbox';
import { decisionDueLadder, nextLadderStep } from './plan-schedule';
import { addWorkingDays, dateStartMs, toDateString } from './working-days';

/** Workflow id for a disagreement: never contains personal data. */
export const disagreementWorkflowId = (disagreementId: string) => `disagreement-${disagreementId}`;

export interface DisagreementPolicy {
  /** Working days the manager has to respond. */
  responseWorkingDays: number;
  /** Days after the response fell due at which the safeguarding lead hears, then again every as many. */
  escalateEveryDays: number;
  notifyHourUtc: number;
  nonWorkingDates: string[];
}
export const defaultDisagreementPolicy: DisagreementPolicy = { responseWorkingDays: 5, escalateEveryDays: 2, notifyHourUtc: 9, nonWorkingDates: [] };

export interface DisagreementInput {
  disagreementId: string;
  planId: string;
  team: string;
  contacts: PlanContacts;
  /** The plan decision disagreed with (its id or a description). */
  decisionRef: string;
  what: string;
  why: string;
  evidence: string;
  raisedBy: DecisionBy;
  policy?: Partial<DisagreementPolicy>;
}

export interface DisagreementState {
  disagreementId: string;
  planId: string;
  team: string;
  status: 'awaiting_response' | 'decided';
  raisedAt: string;
  responseDueDate: string;
  escalations: number;
  sent: string[];
  /** Messages not yet settled (absent in disagreements raised before sends left the ladder's loop). */
  outbox?: OutgoingMessage<DisagreementRecipient>[];
  response?: { finalDecision: string; rationale: string; by: DecisionBy; at: string };
}

type DisagreementRecipient = 'manager' | 'safeguardingLead';

export interface DisagreementChange {
  key: string;
  input: Omit<DisagreementInput, 'policy' | 'contacts'>;
  state: DisagreementState;
  summary: string;
  at: string;
}

export interface RespondRequest {
  finalDecision: string;
  rationale: string;
  by: DecisionBy;
}

export const respondToDisagreementUpdate = defineUpdate<DisagreementState, [RespondRequest]>('respondToDisagreement');
export const disagreementQuery = defineQuery<DisagreementState>('disagreementState');

// deliverNotification here only for histories from before sends left the ladder's loop (unbounded, as then).
const { deliverNotification, recordDisagreementChange } = proxyActivities<Activities>(RECORD_OPTIONS);

/** Who hears when a reminder cannot be delivered. */
const NEXT_AFTER: Record<DisagreementRecipient, DisagreementRecipient> = { manager: 'safeguardingLead', safeguardingLead: 'manager' };

export async function disagreementWorkflow(input: DisagreementInput): Promise<DisagreementState> {
  const policy = { ...defaultDisagreementPolicy, ...input.policy };
  const workflowId = workflowInfo().workflowId;
  const { policy: _policy, contacts, ...about } = input;
  const state: DisagreementState = {
    disagreementId: input.disagreementId,
    planId: input.planId,
    team: input.team,
    status: 'awaiting_response',
    raisedAt: new Date().toISOString(),
    responseDueDate: addWorkingDays(toDateString(Date.now()), policy.responseWorkingDays, policy.nonWorkingDates),
    escalations: 0,
    sent: [],
    outbox: [],
  };
  let seq = 0;
  const record = (summary: string) =>
    recordDisagreementChange({ key: `${workflowId}:change-${++seq}`, input: about, state: JSON.parse(JSON.stringify(state)), summary, at: new Date().toISOString() });

  setHandler(disagreementQuery, () => state);
  setHandler(
    respondToDisagreementUpdate,
    async ({ finalDecision, rationale, by }) => {
      state.status = 'decided';
      state.response = { finalDecision, rationale, by, at: new Date().toISOString() };
      await record(`Final decision: ${finalDecision}`);
      return state;
    },
    {
      validator: ({ finalDecision, rationale, by }: RespondRequest) => {
        const problems = [
          ...(state.status === 'decided' ? ['the disagreement already has a final decision'] : []),
          ...(by.actorRole === 'manager' ? [] : ['only the manager gives the final decision']),
          ...(finalDecision.trim() ? [] : ['the final decision must be recorded']),
          ...(rationale.trim() ? [] : ['the rationale must be recorded']),
        ];
        if (problems.length) throw ApplicationFailure.create({ type: 'DisagreementRuleViolation', message: problems.join('; '), details: problems, nonRetryable: true });
      },
    },
  );

  await record(`Disagreement raised about ${input.decisionRef}`);
  const ladder = () =>
    nextLadderStep(
      decisionDueLadder('response', dateStartMs(state.responseDueDate) + policy.notifyHourUtc * 60 * 60 * 1000, policy.escalateEveryDays, 'disagreement-response-due', {
        disagreementId: state.disagreementId,
        planId: state.planId,
        responseDueDate: state.responseDueDate,
      }),
      new Set(state.sent),
    );
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
  while (!(await doneBeforeDeadline(decided, () => ladder().atMs))) {
    const step = ladder();
    state.sent.push(step.key);
    if (step.to === 'safeguardingLead') state.escalations++;
    const to = step.to as DisagreementRecipient;
    if (patched('disagreement-sends-beside-ladder')) {
      outbox.send({ key: step.key, to, template: step.template, data: step.data });
      continue;
    }
    await deliverNotification({
      idempotencyKey: `${workflowId}:${step.key}`,
      to: contacts[to].email,
      template: step.template,
      data: step.data,
      subjectType: 'plan_disagreement',
      subjectId: state.disagreementId,
    });
    await record(`${step.template} sent to ${String(step.to)}`);
  }
  await condition(() => allHandlersFinished() && outbox.idle());
  return state;
}
