/**
 * What must hold before the person alleged to have caused harm sees the plan or takes part
 * in a review (seed 003): one rule for both, so they cannot drift apart.
 */
export interface AllegedPersonInvolvement {
  adultExpresslyRequested: boolean;
  managerAgreed: boolean;
  /** How the person is kept from unduly influencing the adult or jeopardising the plan. */
  safeguards?: string;
  policeInvestigating: boolean;
}

export function allegedPersonProblems(i: AllegedPersonInvolvement | undefined): string[] {
  if (!i) return ['the person alleged to have caused harm is involved only when the adult expressly asked and the manager agreed'];
  // Police involvement excludes them whatever else was agreed.
  if (i.policeInvestigating) return ['the police are investigating the person alleged to have caused harm: they are excluded'];
  return [
    ...(i.adultExpresslyRequested ? [] : ['the adult has not expressly asked for the person alleged to have caused harm to be involved']),
    ...(i.managerAgreed ? [] : ['the investigating team manager has not agreed']),
    ...(i.safeguards?.trim() ? [] : ['no safeguards are recorded against undue influence or jeopardising the plan']),
  ];
}
