import type { Consent } from './types';

/**
 * Without consent a plan is allowed only on a recorded caveat, and then its measures are
 * limited to what is necessary to reduce the risk of harm (seed 003).
 */
export function isLimitedToNecessaryMeasures(consent: Consent): boolean {
  return consent.basis !== 'given';
}

/** Problems with the consent record; empty when it allows a plan. */
export function consentProblems(consent: Consent): string[] {
  switch (consent.basis) {
    case 'given':
      return [];
    case 'lacks_capacity_best_interests':
      return [
        ...(consent.capacityAssessmentRef.trim() ? [] : ['a plan without consent on capacity grounds must reference the capacity assessment']),
        ...(consent.bestInterestsRationale.trim() ? [] : ['the best-interests rationale must be recorded']),
      ];
    case 'others_at_risk':
    case 'coercion_or_undue_influence':
      return consent.rationale.trim() ? [] : [`the rationale for the "${consent.basis}" caveat must be recorded`];
  }
}
