// The plan workflow's language, imported by the API and tests: ids, messages, input and state.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CopyDecision, CopyRequest } from '../domain/plan/copies';
import type { Ending } from '../domain/plan/ending';
import type { ReviewOutcome, ReviewRecord } from '../domain/plan/reviews';
import type { Consent, DecisionBy, LegalAdvice, PlanContacts, PlanContent } from '../domain/plan/types';
import type { OutgoingMessage } from './outbox';
import type { PlanPolicy } from './plan-policy';

/** Workflow id for a plan: never contains personal data. */
export const planWorkflowId = (planId: string) => `plan-${planId}`;

export type PlanStatus = 'draft' | 'live' | 'ended';

/** A review date being waited for; `revision` changes whenever the date moves, so reminders for the new date go out again. */
export interface ReviewTrack {
  number: number;
  /** YYYY-MM-DD */
  dueDate: string;
  revision: number;
  /** When this date was set. */
  setAtMs: number;
  /**
   * Of the reminders whose time had passed when the date was set, the latest goes out at once.
   * Absent on dates set before this rule: those reminders stay unsent, as they were.
   */
  lateRemindersAtOnce?: boolean;
}

export const UNSCHEDULED_REASONS = ['not_working', 'adult_unhappy', 'less_restrictive_option'] as const;
export type UnscheduledReason = (typeof UNSCHEDULED_REASONS)[number];
export const UNSCHEDULED_DECISIONS = ['arrange_review', 'planning_meeting', 'no_review'] as const;
export type UnscheduledDecision = (typeof UNSCHEDULED_DECISIONS)[number];

export interface UnscheduledRequest {
  id: string;
  requestedBy: DecisionBy;
  /** The adult asked, through a practitioner. */
  onBehalfOfAdult: boolean;
  reasons: UnscheduledReason[];
  evidence: string;
  requestedAt: string;
  decisionDueDate: string;
  decision?: { decision: UnscheduledDecision; reviewDate?: string; rationale: string; adultViews: string; by: DecisionBy; decidedAt: string };
}

export interface PlanState {
  planId: string;
  team: string;
  status: PlanStatus;
  content: PlanContent;
  consent: Consent;
  limitedToNecessaryMeasures: boolean;
  contacts: PlanContacts;
  review: ReviewTrack | null;
  oneToOneReview: ReviewTrack | null;
  requests: UnscheduledRequest[];
  lastReview?: { number: number; outcome: ReviewOutcome; recordedAt: string; by: DecisionBy };
  ending?: Ending & { endedAt: string; by: DecisionBy };
  /** Reminder and escalation keys already sent for the dates now open. */
  sent: string[];
  /** Messages sent but not yet settled (absent in plans started before sends left the main loop). */
  outbox?: OutgoingMessage<keyof PlanContacts>[];
  /** Numbers every recorded change, for idempotent persistence across retries and runs. */
  changeSeq: number;
  /** Events handled by this run; a new run starts again from zero. */
  eventsThisRun: number;
  runs: number;
  createdAt: string;
  liveAt?: string;
}

export interface PlanInput {
  planId: string;
  team: string;
  content: PlanContent;
  consent: Consent;
  contacts: PlanContacts;
  /** YYYY-MM-DD, agreed when the plan is made. */
  firstReviewDate: string;
  /** The investigating team manager's decision that a plan benefits the adult. */
  benefitRationale: string;
  createdBy: DecisionBy;
  /** Complete when started by the API (resolvePlanPolicy); plans made before that may lack fields. */
  policy?: Partial<PlanPolicy>;
  /** Keep search attributes up to date (the time-skipping test server has none registered). */
  indexed?: boolean;
  /** The state handed over by the previous run (continue-as-new). */
  carried?: PlanState;
}

interface By {
  by: DecisionBy;
}

export type GoLiveRequest = By;
export interface LegalAdviceRequest extends By {
  measureId: string;
  advice: LegalAdvice;
}
export type RecordReviewRequest = ReviewRecord & By;
export interface RescheduleReviewRequest extends By {
  newDate: string;
  rationale: string;
}
export interface UnscheduledReviewRequest extends By {
  onBehalfOfAdult: boolean;
  reasons: UnscheduledReason[];
  evidence: string;
}
export interface DecideUnscheduledRequest extends By {
  requestId: string;
  decision: UnscheduledDecision;
  reviewDate?: string;
  rationale: string;
  adultViews: string;
}
export interface OneToOneReviewRequest extends By {
  measureId: string;
  decision: 'continue' | 'step_down' | 'end';
  nextReviewDate?: string;
  rationale: string;
  adultViews: string;
}
export interface CompleteActionRequest extends By {
  actionId: string;
  note: string;
}
export interface EndPlanRequest extends By {
  ending: Ending;
}
export interface CopyDecisionRequest extends CopyRequest, By {
  /** The copy's id, chosen by the caller so a retried request finds the same disclosure. */
  disclosureId: string;
}

export interface PlanSummary {
  status: PlanStatus;
  nextReviewDate: string | null;
  reviewNumber: number;
}

export const goLiveUpdate = defineUpdate<PlanSummary, [GoLiveRequest]>('goLive');
export const recordLegalAdviceUpdate = defineUpdate<PlanSummary, [LegalAdviceRequest]>('recordLegalAdvice');
export const recordReviewUpdate = defineUpdate<PlanSummary, [RecordReviewRequest]>('recordReview');
export const rescheduleReviewUpdate = defineUpdate<PlanSummary, [RescheduleReviewRequest]>('rescheduleReview');
export const requestUnscheduledReviewUpdate = defineUpdate<UnscheduledRequest, [UnscheduledReviewRequest]>('requestUnscheduledReview');
export const decideUnscheduledReviewUpdate = defineUpdate<PlanSummary, [DecideUnscheduledRequest]>('decideUnscheduledReview');
export const recordOneToOneReviewUpdate = defineUpdate<PlanSummary, [OneToOneReviewRequest]>('recordOneToOneReview');
export const completeActionUpdate = defineUpdate<PlanSummary, [CompleteActionRequest]>('completeAction');
export const endPlanUpdate = defineUpdate<PlanSummary, [EndPlanRequest]>('endPlan');
export const decideCopyUpdate = defineUpdate<CopyDecision, [CopyDecisionRequest]>('decideCopy');
export const planStateQuery = defineQuery<PlanState>('planState');
