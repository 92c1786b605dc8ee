/** What was declined and what the adult was told: the record that keeps the door open (seed 002). */
export interface Refusal {
  declined: string;
  optionsExplained: string;
  implicationsExplained: string;
  /** Whether coercion or undue influence was considered, and what was found. */
  coercionConsidered: boolean;
  coercionNotes: string;
  adultViews: string;
}

export const CONTACT_OUTCOMES = ['no_contact', 'still_declines', 'wants_time', 'agrees_to_plan', 'concern_raised'] as const;
export type ContactOutcome = (typeof CONTACT_OUTCOMES)[number];

/** A plan is made when the adult agrees, or when a consent caveat arises and it proceeds without consent. */
export const CONVERSION_REASONS = ['adult_agrees', 'caveat_arises'] as const;
export type ConversionReason = (typeof CONVERSION_REASONS)[number];
