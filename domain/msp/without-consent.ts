// Seed 001/002: acting against the adult's wishes, even when they have capacity, is allowed
// only on one of these grounds, and each such decision is recorded in full.

export const WITHOUT_CONSENT_GROUNDS = ['emergency_or_life_threatening', 'others_at_risk', 'serious_crime', 'risk_unreasonably_high', 'person_in_position_of_trust'] as const;
export type WithoutConsentGround = (typeof WITHOUT_CONSENT_GROUNDS)[number];

/** Who may decide on each ground: in an emergency the practitioner on the spot may act. */
export function mayDecideWithoutConsent(role: string, ground: WithoutConsentGround): boolean {
  return role === 'manager' || role === 'safeguarding_lead' || (role === 'practitioner' && ground === 'emergency_or_life_threatening');
}
