import { allegedPersonProblems, type AllegedPersonInvolvement } from './alleged-person';
import type { Consent, PlanContent } from './types';

export type CopyRecipient =
  { kind: 'adult' } | { kind: 'requested_by_adult'; name: string; relationship: string } | { kind: 'agency'; name: string } | { kind: 'alleged_person'; name: string };

export interface CopyRequest {
  recipient: CopyRecipient;
  /** The adult asked for this person to have a copy (people other than the adult, and agencies, ignore it). */
  adultRequested: boolean;
  /** The manager's recorded view: risk of a copy, items to leave out, agreement for the alleged person. */
  manager?: {
    wouldRaiseRisk: boolean;
    omitItemIds: string[];
    rationale: string;
  };
  allegedPerson?: AllegedPersonInvolvement;
}

export type CopyOutcome = 'full' | 'partial' | 'refused';

export interface CopyDecision {
  outcome: CopyOutcome;
  /** Items of the plan left out of the copy (measures, actions, risks by id). */
  omittedItemIds: string[];
  reasons: string[];
}

const refused = (...reasons: string[]): CopyDecision => ({ outcome: 'refused', omittedItemIds: [], reasons });

/** Applies the copy rules of seed 003; the same decision is recorded whatever it is. */
export function decideCopy(request: CopyRequest, plan: Pick<PlanContent, 'actions' | 'measures' | 'risks'>, consent: Consent): CopyDecision {
  const managerOmits = request.manager?.omitItemIds ?? [];
  const withOmissions = (reasons: string[], omitted = managerOmits): CopyDecision =>
    omitted.length ? { outcome: 'partial', omittedItemIds: omitted, reasons } : { outcome: 'full', omittedItemIds: [], reasons };
  const r = request.recipient;
  switch (r.kind) {
    case 'adult':
      if (request.manager?.wouldRaiseRisk && !managerOmits.length) {
        return refused('the manager recorded that a copy would raise the risk or jeopardise the plan');
      }
      return withOmissions(managerOmits.length ? ['the manager recorded that these items would raise the risk'] : ['the adult receives a copy by default']);
    case 'requested_by_adult':
      return request.adultRequested ? withOmissions(['the adult asked for this person to have a copy']) : refused('the adult has not asked for this person to have a copy');
    case 'agency': {
      const theirs = new Set(plan.actions.filter((a) => a.owner.agency === r.name).map((a) => a.id));
      if (!theirs.size) return refused('the agency carries out no action in the plan');
      if (consent.basis === 'given' || consent.basis === 'lacks_capacity_best_interests') {
        return withOmissions([consent.basis === 'given' ? 'the adult consents to sharing' : 'sharing is in the best interests of the adult']);
      }
      // Without consent the agency gets only what it needs to understand its role.
      const others = [...plan.risks.map((x) => x.id), ...plan.measures.map((m) => m.id), ...plan.actions.filter((a) => !theirs.has(a.id)).map((a) => a.id)];
      return withOmissions(['without consent, only the agency’s own actions are shared'], [...new Set([...others, ...managerOmits])]);
    }
    case 'alleged_person': {
      const problems = allegedPersonProblems(request.allegedPerson);
      return problems.length ? refused(...problems) : withOmissions(['the adult expressly asked and the manager agreed with safeguards']);
    }
  }
}
