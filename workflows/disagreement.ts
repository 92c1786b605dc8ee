// A professional disagreement with a plan decision: the manager gives a final decision with a
// rationale within a response time, or is reminded and then the safeguarding lead is told,
// repeatedly, as for an unscheduled review request.
import { allHandlersFinished, ApplicationFailure, condition, defineQuery, defineUpdate, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DecisionBy, PlanContacts } from '../domain/plan/types';
import { doneBeforeDeadline } from './deadline';
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
  response?: { finalDecision: string; rationale: string; by: DecisionBy; at: string };
}

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

const { deliverNotification, recordDisagreementChange } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

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
  while (!(await doneBeforeDeadline(decided, () => ladder().atMs))) {
    const step = ladder();
    state.sent.push(step.key);
    if (step.to === 'safeguardingLead') state.escalations++;
    await deliverNotification({
      idempotencyKey: `${workflowId}:${step.key}`,
      to: contacts[step.to as keyof PlanContacts].email,
      template: step.template,
      data: step.data,
      subjectType: 'plan_disagreement',
      subjectId: state.disagreementId,
    });
    await record(`${step.template} sent to ${String(step.to)}`);
  }
  await condition(allHandlersFinished);
  return state;
}
