import { RESTRICTIVE_TYPES, type Measure, type MeasureType } from './types';

export function isRestrictive(type: MeasureType): boolean {
  return (RESTRICTIVE_TYPES as readonly string[]).includes(type);
}

/** What stops a set of measures from going live (or staying live after an amendment). */
export function measureProblems(measures: Measure[], today: string): string[] {
  return measures.flatMap((m) => [
    ...(isRestrictive(m.type) && !m.legalAdvice ? [`measure ${m.id} (${m.type}) needs recorded legal advice before the plan goes live`] : []),
    ...(m.type === 'one_to_one' ? oneToOneProblems(m, today) : []),
  ]);
}

function oneToOneProblems(m: Measure, today: string): string[] {
  const o = m.oneToOne;
  if (!o) return [`measure ${m.id} is one-to-one support: record the less restrictive options explored, how it reduces risk, a time limit and the step-down intent`];
  return [
    ...(o.lessRestrictiveOptionsExplored.trim() ? [] : [`measure ${m.id}: less restrictive options explored must be evidenced`]),
    ...(o.howItReducesRisk.trim() ? [] : [`measure ${m.id}: how one-to-one support reduces the risk must be recorded`]),
    ...(o.stepDownIntent.trim() ? [] : [`measure ${m.id}: the step-down intent must be recorded`]),
    ...(o.timeLimit > today ? [] : [`measure ${m.id}: the one-to-one time limit must be in the future`]),
  ];
}

export function oneToOneMeasures(measures: Measure[]): Measure[] {
  return measures.filter((m) => m.type === 'one_to_one');
}

export function restrictiveCount(measures: Measure[]): number {
  return measures.filter((m) => isRestrictive(m.type)).length;
}
