// The disagreement workflow's language, imported by the API, activities and tests: ids,
// policy, messages, input, state and the change records the activities write.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DecisionBy, PlanContacts } from '../domain/plan/types';
import type { OutgoingMessage } from './outbox';
import { resolvingWith } from './policy-defaults';

/** Workflow id for a disagreement: never contains personal data. */
export const disagreementWorkflowId = (disagreementId: string) => `disagreement-${disagreementId}`;

export interface DisagreementPolicy {
  /** Working days the manager has to respond. */
  responseWorkingDays: number;
  /** Days after the response fell due at which the safeguarding lead hears, then again every as many. */
  escalateEveryDays: number;
  notifyHourUtc: number;
  nonWorkingDates: string[];
  /** Changes recorded before the run hands over to a new one: an unanswered ladder's history stays bounded. */
  continueAsNewAfterEvents: number;
}
/**
 * What a disagreement raised without a complete policy was given (before the API resolved policy
 * at start): frozen, so such a disagreement replays and runs on as it began.
 */
export const DISAGREEMENT_DEFAULTS_BEFORE_RESOLUTION: Readonly<DisagreementPolicy> = {
  responseWorkingDays: 5,
  escalateEveryDays: 2,
  notifyHourUtc: 9,
  nonWorkingDates: [],
  continueAsNewAfterEvents: 200,
};
/** The complete policy a new disagreement is started with: today's defaults (change them here; a running disagreement keeps its policy) under what the caller set. */
export const resolveDisagreementPolicy = resolvingWith<DisagreementPolicy>({ ...DISAGREEMENT_DEFAULTS_BEFORE_RESOLUTION });

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
  /** Complete when started by the API (resolveDisagreementPolicy); older disagreements may lack fields. */
  policy?: Partial<DisagreementPolicy>;
  /** The state handed over by the previous run (continue-as-new). */
  carried?: DisagreementState;
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
  /** Numbers every recorded change, across runs (absent before disagreements continued as new). */
  changeSeq?: number;
  /** Changes recorded by this run; a new run starts again from zero. */
  eventsThisRun?: number;
  runs?: number;
  /** Messages not yet settled (absent in disagreements raised before sends left the ladder's loop). */
  outbox?: OutgoingMessage<DisagreementRecipient>[];
  response?: { finalDecision: string; rationale: string; by: DecisionBy; at: string };
}

export type DisagreementRecipient = 'manager' | 'safeguardingLead';

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
