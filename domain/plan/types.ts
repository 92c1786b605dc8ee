/** The content of a safeguarding plan as the lead practitioner records it (seed 003). */

/** How the adult agreed to the plan, or which recorded caveat allows it without consent. */
export type Consent =
  | { basis: 'given'; capacityConfirmed: boolean }
  | { basis: 'lacks_capacity_best_interests'; capacityAssessmentRef: string; bestInterestsRationale: string }
  | { basis: 'others_at_risk'; atRisk: 'adults' | 'child' | 'adults_and_child'; rationale: string }
  | { basis: 'coercion_or_undue_influence'; rationale: string };

export type ConsentBasis = Consent['basis'];

export interface Risk {
  id: string;
  description: string;
  likelyImpact: string;
}

/** Measures that may breach the adult's human rights: legal advice before the plan goes live. */
export const RESTRICTIVE_TYPES = ['restrict_contact', 'supervise_contact', 'monitoring', 'surveillance', 'one_to_one'] as const;
export type RestrictiveType = (typeof RESTRICTIVE_TYPES)[number];
export type MeasureType = RestrictiveType | 'other';

export interface LegalAdvice {
  reference: string;
  summary: string;
  advisedOn: string;
}

/** Seed 000: one-to-one support is never a quick win; it is justified, time-limited and stepped down. */
export interface OneToOneSupport {
  lessRestrictiveOptionsExplored: string;
  howItReducesRisk: string;
  /** Date (YYYY-MM-DD) after which it must not continue without a fresh decision. */
  timeLimit: string;
  stepDownIntent: string;
}

export interface Measure {
  id: string;
  kind: 'proactive' | 'reactive';
  type: MeasureType;
  description: string;
  riskIds?: string[];
  legalAdvice?: LegalAdvice;
  oneToOne?: OneToOneSupport;
}

export interface Owner {
  name: string;
  email?: string;
  agency?: string;
}

export interface Action {
  id: string;
  description: string;
  owner: Owner;
  /** YYYY-MM-DD */
  dueDate: string;
  completedAt?: string;
}

export type PreferredFormat = 'standard' | 'easy_read' | 'large_print' | 'audio';

export interface AdultVoice {
  views: string;
  wishes: string;
  desiredOutcomes: { id: string; description: string }[];
  howTheyTookPart: string;
  preferredFormat: PreferredFormat;
  /** Language the copy should be provided in, when not English. */
  language?: string;
}

export type InvolvedRole = 'adult' | 'advocate' | 'representative' | 'family' | 'friend' | 'agency' | 'alleged_person';

export interface InvolvedPerson {
  name: string;
  role: InvolvedRole;
  agency?: string;
}

export interface PlanContent {
  risks: Risk[];
  measures: Measure[];
  actions: Action[];
  monitoring: string;
  adult: AdultVoice;
  involved: InvolvedPerson[];
}

export interface Contact {
  id: string;
  email: string;
}

/** Who is told what: staff identities and mail addresses, never the adult's. */
export interface PlanContacts {
  leadPractitioner: Contact;
  manager: Contact;
  safeguardingLead: Contact;
}

export interface DecisionBy {
  actorId: string;
  actorRole: string;
  /** The manager a deputy stood in for, when the decision was taken during their cover. */
  onBehalfOf?: string;
}
