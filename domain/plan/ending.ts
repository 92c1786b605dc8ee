import type { AdultVoice } from './types';

/** The only grounds on which a plan may end (seed 003). */
export const ENDING_GROUNDS = ['risks_no_longer_exist', 'managed_through_other_means', 'adult_has_capacity_and_declines'] as const;
export type EndingGround = (typeof ENDING_GROUNDS)[number];

/** Making Safeguarding Personal and risk outcome, as the Safeguarding Adults Collection counts them. */
export type OutcomeAchieved = 'fully' | 'partially' | 'not';
export type RiskOutcome = 'removed' | 'reduced' | 'remains';

export interface Ending {
  ground: EndingGround;
  /** Where the strategies now live, when the risk is managed through other means. */
  carePlanRef?: string;
  /** For "has capacity and declines": capacity for this decision is confirmed. */
  capacityConfirmed?: boolean;
  outcomes: { outcomeId: string; achieved: OutcomeAchieved }[];
  risk: RiskOutcome;
  rationale: string;
  adultViews: string;
}

export function endingProblems(ending: Ending, adult: Pick<AdultVoice, 'desiredOutcomes'>): string[] {
  if (!(ENDING_GROUNDS as readonly string[]).includes(ending.ground)) {
    return [`a plan ends only when ${ENDING_GROUNDS.join(', or ')}; "${String(ending.ground)}" is not a ground`];
  }
  const marked = new Set(ending.outcomes.map((o) => o.outcomeId));
  return [
    ...(ending.ground === 'managed_through_other_means' && !ending.carePlanRef?.trim() ? ['the care and support plan that now holds the strategies must be referenced'] : []),
    ...(ending.ground === 'adult_has_capacity_and_declines' && ending.capacityConfirmed !== true
      ? ['ending because the adult declines needs their capacity for that decision confirmed']
      : []),
    ...(ending.ground === 'risks_no_longer_exist' && ending.risk !== 'removed' ? ['the risks cannot both no longer exist and remain or only be reduced'] : []),
    ...adult.desiredOutcomes.filter((o) => !marked.has(o.id)).map((o) => `desired outcome ${o.id} must be marked achieved fully, partially or not`),
    ...(ending.rationale.trim() ? [] : ['the rationale must be recorded']),
    ...(ending.adultViews.trim() ? [] : ["the adult's views must be recorded"]),
  ];
}
