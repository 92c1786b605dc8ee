import { z } from 'zod';
import { ENDING_GROUNDS } from '../../domain/plan/ending';
import { REVIEW_OUTCOMES } from '../../domain/plan/reviews';
import { RESTRICTIVE_TYPES } from '../../domain/plan/types';
import { UNSCHEDULED_DECISIONS, UNSCHEDULED_REASONS } from '../../workflows/plan-contract';
import { toDateString } from '../../workflows/working-days';
import { registry } from '../openapi/registry';
import { id, retryId, staffContact, text } from './common';

const date = z.iso.date();
/** A date the plan will act on: refused when already past, so nothing is scheduled into history. */
const futureDate = date.refine((d) => d >= toDateString(Date.now()), 'cannot be before today');

export const Consent = registry.register(
  'Consent',
  z.discriminatedUnion('basis', [
    z.strictObject({ basis: z.literal('given'), capacityConfirmed: z.boolean() }),
    z.strictObject({ basis: z.literal('lacks_capacity_best_interests'), capacityAssessmentRef: text(100), bestInterestsRationale: text() }),
    z.strictObject({ basis: z.literal('others_at_risk'), atRisk: z.enum(['adults', 'child', 'adults_and_child']), rationale: text() }),
    z.strictObject({ basis: z.literal('coercion_or_undue_influence'), rationale: text() }),
  ]),
);

const LegalAdvice = z.strictObject({ reference: text(100), summary: text(), advisedOn: date });

const Measure = z.strictObject({
  id,
  kind: z.enum(['proactive', 'reactive']),
  type: z.enum([...RESTRICTIVE_TYPES, 'other']),
  description: text(),
  riskIds: z.array(id).max(50).optional(),
  legalAdvice: LegalAdvice.optional(),
  oneToOne: z
    .strictObject({ lessRestrictiveOptionsExplored: text(), howItReducesRisk: text(), timeLimit: date, stepDownIntent: text() })
    .optional()
    .openapi({ description: 'Required for one-to-one support (seed 000)' }),
});

const Action = z.strictObject({
  id,
  description: text(),
  owner: z.strictObject({ name: text(200), email: z.email().max(200).optional(), agency: text(200).optional() }),
  dueDate: date,
});

const Outcome = z.strictObject({ id, description: text(1000) });

export const PlanContent = registry.register(
  'PlanContent',
  z.strictObject({
    risks: z
      .array(z.strictObject({ id, description: text(), likelyImpact: text() }))
      .min(1)
      .max(50),
    measures: z.array(Measure).max(50),
    actions: z.array(Action).max(100),
    monitoring: text(),
    adult: z.strictObject({
      views: text(),
      wishes: text(),
      desiredOutcomes: z.array(Outcome).max(20),
      howTheyTookPart: text(),
      preferredFormat: z.enum(['standard', 'easy_read', 'large_print', 'audio']).default('standard'),
      language: text(50).optional(),
    }),
    involved: z
      .array(
        z.strictObject({ name: text(200), role: z.enum(['adult', 'advocate', 'representative', 'family', 'friend', 'agency', 'alleged_person']), agency: text(200).optional() }),
      )
      .max(50),
  }),
);

const StaffContact = z.strictObject(staffContact);

export const CreatePlanBody = registry.register(
  'CreatePlan',
  z.strictObject({
    planId: retryId,
    content: PlanContent,
    consent: Consent,
    contacts: z.strictObject({ leadPractitioner: StaffContact, manager: StaffContact, safeguardingLead: StaffContact }),
    firstReviewDate: futureDate,
    benefitRationale: text().openapi({ description: "The investigating team manager's decision that a plan benefits the adult" }),
    policy: z
      .strictObject({
        reminderDaysBefore: z.array(z.number().int().min(1).max(60)).max(5),
        overdueRepeatEveryDays: z.number().int().min(1).max(30),
        unscheduledDecisionWorkingDays: z.number().int().min(1).max(20),
        oneToOneReviewMaxDays: z.number().int().min(1).max(90),
        nonWorkingDates: z.array(date).max(100),
      })
      .partial()
      .optional(),
  }),
);

const AllegedPerson = z.strictObject({
  adultExpresslyRequested: z.boolean(),
  managerAgreed: z.boolean(),
  safeguards: z.string().max(4000).optional(),
  policeInvestigating: z.boolean(),
});

export const Ending = registry.register(
  'Ending',
  z.strictObject({
    ground: z.enum(ENDING_GROUNDS),
    carePlanRef: text(100).optional(),
    capacityConfirmed: z.boolean().optional(),
    outcomes: z.array(z.strictObject({ outcomeId: id, achieved: z.enum(['fully', 'partially', 'not']) })).max(20),
    risk: z.enum(['removed', 'reduced', 'remains']),
    rationale: text(),
    adultViews: text(),
  }),
);

export const ReviewBody = registry.register(
  'Review',
  z.strictObject({
    outcome: z.enum(REVIEW_OUTCOMES),
    rationale: text(),
    adultViews: text(),
    consent: Consent.openapi({ description: 'Consent and capacity confirmed again at every review' }),
    participants: z
      .array(
        z.strictObject({ name: text(200), role: z.enum(['adult', 'advocate', 'representative', 'family', 'friend', 'agency', 'alleged_person']), agency: text(200).optional() }),
      )
      .max(50),
    allegedPersonInvolvement: AllegedPerson.optional(),
    nextReviewDate: futureDate.optional(),
    amendedMeasures: z.array(Measure).max(50).optional(),
    furtherEnquiries: text().optional(),
    supplementaryActions: z.array(Action).max(20).optional(),
    ending: Ending.optional(),
  }),
);

/** Requests whose meaning is all in the path. */
export const NoBody = z.strictObject({}).optional();
export const RescheduleBody = z.strictObject({ newDate: futureDate, rationale: text() });
export const LegalAdviceBody = LegalAdvice;
export const UnscheduledRequestBody = z.strictObject({ onBehalfOfAdult: z.boolean(), reasons: z.array(z.enum(UNSCHEDULED_REASONS)).min(1), evidence: text() });
export const UnscheduledDecisionBody = z.strictObject({ decision: z.enum(UNSCHEDULED_DECISIONS), reviewDate: futureDate.optional(), rationale: text(), adultViews: text() });
export const OneToOneReviewBody = z.strictObject({
  measureId: id,
  decision: z.enum(['continue', 'step_down', 'end']),
  nextReviewDate: futureDate.optional(),
  rationale: text(),
  adultViews: text(),
});
export const CompleteActionBody = z.strictObject({ note: text() });
export const EndPlanBody = Ending;

export const CopyBody = registry.register(
  'CopyRequest',
  z.strictObject({
    recipient: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('adult') }),
      z.strictObject({ kind: z.literal('requested_by_adult'), name: text(200), relationship: text(100) }),
      z.strictObject({ kind: z.literal('agency'), name: text(200) }),
      z.strictObject({ kind: z.literal('alleged_person'), name: text(200) }),
    ]),
    adultRequested: z.boolean().default(false),
    manager: z.strictObject({ wouldRaiseRisk: z.boolean(), omitItemIds: z.array(id).max(100).default([]), rationale: text() }).optional(),
    allegedPerson: AllegedPerson.optional(),
  }),
);

export const PlanParams = z.object({ planId: z.uuid() });
export const RequestParams = PlanParams.extend({ requestId: z.uuid() });
export const MeasureParams = PlanParams.extend({ measureId: id });
export const ActionParams = PlanParams.extend({ actionId: id });
export const CopyParams = PlanParams.extend({ disclosureId: z.uuid() });

export const PLAN_LISTS = ['reviews-due-this-week', 'overdue-reviews', 'unscheduled-awaiting-decision', 'restrictive-measures'] as const;
export const ListParams = z.object({ list: z.enum(PLAN_LISTS) });

export const ReportQuery = z.strictObject({ from: date, to: date, team: id.optional() });

export const PlanSummary = registry.register(
  'PlanSummary',
  z.object({ status: z.enum(['draft', 'live', 'ended']), nextReviewDate: date.nullable(), reviewNumber: z.number().int() }),
);

/** Counts of 1 to 4 are shown as "<5" so no adult can be recognised in a report. */
const Count = z.union([z.number().int(), z.literal('<5')]);
export const OutcomeReport = registry.register(
  'PlanOutcomeReport',
  z.object({
    from: date,
    to: date,
    plansEnded: Count,
    outcomesExpressed: z.object({ yes: Count, no: Count }),
    outcomesAchieved: z.object({ fully: Count, partially: Count, not: Count }),
    risk: z.object({ removed: Count, reduced: Count, remains: Count }),
    endingGround: z.object(Object.fromEntries(ENDING_GROUNDS.map((g) => [g, Count])) as Record<(typeof ENDING_GROUNDS)[number], typeof Count>),
    consentBasis: z.record(z.string(), Count),
  }),
);
