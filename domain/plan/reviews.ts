import { allegedPersonProblems, type AllegedPersonInvolvement } from './alleged-person';
import { consentProblems } from './consent';
import { endingProblems, type Ending } from './ending';
import { measureProblems, restrictiveCount } from './measures';
import type { Action, Consent, InvolvedPerson, Measure, PlanContent } from './types';

export const REVIEW_OUTCOMES = ['continue_unchanged', 'amend_more_effective', 'amend_less_restrictive', 'continue_further_enquiries', 'end', 'supplementary_action'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

export interface ReviewRecord {
  outcome: ReviewOutcome;
  rationale: string;
  adultViews: string;
  /** Consent and capacity are confirmed again at every review. */
  consent: Consent;
  participants: InvolvedPerson[];
  allegedPersonInvolvement?: AllegedPersonInvolvement;
  /** YYYY-MM-DD; every outcome but "end" sets it. */
  nextReviewDate?: string;
  /** The measures as amended (for the two "amend" outcomes). */
  amendedMeasures?: Measure[];
  furtherEnquiries?: string;
  supplementaryActions?: Action[];
  ending?: Ending;
}

/** Why a review cannot be recorded as given; empty when it can. */
export function reviewProblems(review: ReviewRecord, plan: Pick<PlanContent, 'measures' | 'adult'>, today: string): string[] {
  if (!(REVIEW_OUTCOMES as readonly string[]).includes(review.outcome)) return [`"${String(review.outcome)}" is not a review outcome`];
  return [
    ...(review.rationale.trim() ? [] : ['the rationale must be recorded']),
    ...(review.adultViews.trim() ? [] : ["the adult's views must be recorded"]),
    ...consentProblems(review.consent),
    ...(review.participants.some((p) => p.role === 'alleged_person') ? allegedPersonProblems(review.allegedPersonInvolvement) : []),
    ...nextReviewProblems(review, today),
    ...outcomeProblems(review, plan, today),
  ];
}

function nextReviewProblems(review: ReviewRecord, today: string): string[] {
  if (review.outcome === 'end') return review.nextReviewDate ? ['an ended plan has no next review'] : [];
  if (!review.nextReviewDate) return ['every outcome except ending sets the next review date'];
  return review.nextReviewDate < today ? ['the next review date cannot be in the past'] : [];
}

function outcomeProblems(review: ReviewRecord, plan: Pick<PlanContent, 'measures' | 'adult'>, today: string): string[] {
  switch (review.outcome) {
    case 'amend_more_effective':
    case 'amend_less_restrictive': {
      const amended = review.amendedMeasures;
      if (!amended?.length) return ['an amendment records the measures as amended'];
      return [
        ...measureProblems(amended, today),
        ...(review.outcome === 'amend_less_restrictive' && restrictiveCount(amended) > restrictiveCount(plan.measures)
          ? ['a less restrictive strategy cannot add restrictive measures']
          : []),
      ];
    }
    case 'continue_further_enquiries':
      return review.furtherEnquiries?.trim() ? [] : ['the further enquiries must be described'];
    case 'supplementary_action':
      return review.supplementaryActions?.length ? [] : ['at least one supplementary action (e.g. a referral) must be recorded'];
    case 'end':
      return review.ending ? endingProblems(review.ending, plan.adult) : ['ending records the ground, the outcomes achieved and the risk'];
    case 'continue_unchanged':
      return [];
  }
}
