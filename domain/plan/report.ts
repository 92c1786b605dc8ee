import { ENDING_GROUNDS, type OutcomeAchieved } from './ending';

/** An ended plan as the report reads it. */
export interface EndedPlanRow {
  consentBasis: string;
  endingGround: string | null;
  riskOutcome: string | null;
  outcomesAchieved: { achieved: OutcomeAchieved }[] | null;
}

type Count = number | '<5';

/** Counts of 1 to 4 could identify an adult: they are shown as "<5". */
export const suppress = (n: number): Count => (n > 0 && n < 5 ? '<5' : n);

/** A plan's desired outcomes as one answer, the way the Safeguarding Adults Collection asks it. */
function achievedOverall(outcomes: { achieved: OutcomeAchieved }[]): OutcomeAchieved {
  if (outcomes.every((o) => o.achieved === 'fully')) return 'fully';
  if (outcomes.every((o) => o.achieved === 'not')) return 'not';
  return 'partially';
}

/** Making Safeguarding Personal and risk-outcome counts for plans that ended in a period. */
export function planOutcomeReport(rows: EndedPlanRow[]) {
  const count = <K extends string>(keys: readonly K[], keyOf: (r: EndedPlanRow) => string | null, of = rows) =>
    Object.fromEntries(keys.map((k) => [k, suppress(of.filter((r) => keyOf(r) === k).length)])) as Record<K, Count>;
  const expressed = rows.filter((r) => r.outcomesAchieved?.length);
  return {
    plansEnded: suppress(rows.length),
    outcomesExpressed: { yes: suppress(expressed.length), no: suppress(rows.length - expressed.length) },
    outcomesAchieved: count(['fully', 'partially', 'not'] as const, (r) => achievedOverall(r.outcomesAchieved ?? []), expressed),
    risk: count(['removed', 'reduced', 'remains'] as const, (r) => r.riskOutcome),
    endingGround: count(ENDING_GROUNDS, (r) => r.endingGround),
    consentBasis: count([...new Set(rows.map((r) => r.consentBasis))], (r) => r.consentBasis),
  };
}
