// The declined-support workflow's language, imported by the API, activities and tests: ids,
// policy, messages, input, state and the change records the activities write.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ContactOutcome, ConversionReason, Refusal } from '../domain/msp/declined-support';
import type { Contact, DecisionBy } from '../domain/plan/types';
import type { OutgoingMessage } from './outbox';
import { resolvingWith } from './policy-defaults';

/** Workflow id for a declined-support case: never contains personal data. */
export const declinedSupportWorkflowId = (caseId: string) => `declined-support-${caseId}`;

export interface DeclinedSupportPolicy {
  /** Days between follow-up prompts to the lead practitioner. */
  followUpEveryDays: number;
  /** How many follow-ups before the case rests with the practitioner's judgement. */
  followUpCount: number;
}
/**
 * What a case started without a complete policy was given (cases opened before the API resolved
 * policy at start): frozen, so such a case replays and runs on as it began.
 */
export const DECLINED_SUPPORT_DEFAULTS_BEFORE_RESOLUTION: Readonly<DeclinedSupportPolicy> = { followUpEveryDays: 28, followUpCount: 3 };
/** The complete policy a new case is started with: today's defaults (change them here; a running case keeps its policy) under what the caller set. */
export const resolveDeclinedSupportPolicy = resolvingWith<DeclinedSupportPolicy>({ ...DECLINED_SUPPORT_DEFAULTS_BEFORE_RESOLUTION });

export interface DeclinedSupportInput {
  caseId: string;
  team: string;
  refusal: Refusal;
  leadPractitioner: Contact;
  /** The team's manager, told when a follow-up cannot be delivered (absent in older cases). */
  manager?: Contact;
  createdBy: DecisionBy;
  /** Complete when started by the API (resolveDeclinedSupportPolicy); older cases may lack fields. */
  policy?: Partial<DeclinedSupportPolicy>;
}

export type DeclinedSupportRecipient = 'leadPractitioner' | 'manager';

export type DeclinedSupportStatus = 'open' | 'converted' | 'closed';

export interface DeclinedSupportState {
  caseId: string;
  team: string;
  status: DeclinedSupportStatus;
  refusal: Refusal;
  leadPractitioner: Contact;
  policy: DeclinedSupportPolicy;
  createdAt: string;
  createdBy: DecisionBy;
  followUpsSent: number;
  nextFollowUpAt: string | null;
  contacts: { outcome: ContactOutcome; note: string; by: DecisionBy; at: string }[];
  /** Follow-ups not yet settled (absent in cases opened before sends left the follow-up loop). */
  outbox?: OutgoingMessage<DeclinedSupportRecipient>[];
  conversion?: { reason: ConversionReason; planId: string; note: string; by: DecisionBy; at: string };
  closure?: { rationale: string; by: DecisionBy; at: string };
  changeSeq: number;
}

export interface DeclinedSupportChange {
  key: string;
  state: DeclinedSupportState;
  type: 'opened' | 'follow_up_due' | 'notification_failed' | 'contact_recorded' | 'converted' | 'closed';
  summary: string;
  outcome?: string;
  note?: string;
  by?: DecisionBy;
  at: string;
}

export interface ContactRequest {
  outcome: ContactOutcome;
  note: string;
  by: DecisionBy;
}
export interface ConvertRequest {
  reason: ConversionReason;
  planId: string;
  note: string;
  by: DecisionBy;
}
export interface CloseRequest {
  rationale: string;
  by: DecisionBy;
}

export const recordContactUpdate = defineUpdate<DeclinedSupportState, [ContactRequest]>('recordContact');
export const convertToPlanUpdate = defineUpdate<DeclinedSupportState, [ConvertRequest]>('convertToPlan');
export const closeDeclinedSupportUpdate = defineUpdate<DeclinedSupportState, [CloseRequest]>('closeDeclinedSupport');
export const declinedSupportQuery = defineQuery<DeclinedSupportState>('declinedSupportState');
