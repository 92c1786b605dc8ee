// Pure data shared by the plan workflow and the API: no Temporal or Node imports.

/** How a plan is kept on time, passed whole in the workflow input (tests shrink nothing: time skips). */
export interface PlanPolicy {
  /** Hour (UTC) at which a day's reminders go out. */
  notifyHourUtc: number;
  /** Days before a scheduled review on which the lead practitioner is reminded. */
  reminderDaysBefore: number[];
  /** After the due day passes unrecorded: the manager is told this many days later... */
  overdueManagerAfterDays: number;
  /** ...then the safeguarding lead this many days after the due day... */
  overdueLeadAfterDays: number;
  /** ...and again every this many days until a review is recorded. */
  overdueRepeatEveryDays: number;
  /** Working days the manager has to decide on an unscheduled review request. */
  unscheduledDecisionWorkingDays: number;
  /** Days after the decision fell due at which the safeguarding lead hears, then again every as many. */
  unscheduledEscalateEveryDays: number;
  /** One-to-one support is reviewed on its own, shorter cycle (seed 000). */
  oneToOneReviewMaxDays: number;
  oneToOneReminderDaysBefore: number[];
  /** Days before an action falls due on which its owner is reminded. */
  actionReminderDaysBefore: number;
  /** Dates (YYYY-MM-DD) that are not working days: bank holidays, office closures. */
  nonWorkingDates: string[];
  /** Events handled before the run hands over to a new one, keeping history small. */
  continueAsNewAfterEvents: number;
}

/**
 * What a plan started without a complete policy was given (plans made before the API resolved
 * policy at start): frozen, so such a plan replays and runs on as it began.
 */
export const PLAN_DEFAULTS_BEFORE_RESOLUTION: Readonly<PlanPolicy> = {
  notifyHourUtc: 9,
  reminderDaysBefore: [14, 2],
  overdueManagerAfterDays: 1,
  overdueLeadAfterDays: 3,
  overdueRepeatEveryDays: 7,
  unscheduledDecisionWorkingDays: 5,
  unscheduledEscalateEveryDays: 2,
  oneToOneReviewMaxDays: 28,
  oneToOneReminderDaysBefore: [2],
  actionReminderDaysBefore: 3,
  nonWorkingDates: [],
  continueAsNewAfterEvents: 500,
};

/** Today's defaults: change them here; a running plan keeps the policy it was started with. */
export const defaultPlanPolicy: PlanPolicy = { ...PLAN_DEFAULTS_BEFORE_RESOLUTION };

/** The complete policy a new plan is started with (the API resolves it; the workflow only reads it). */
export function resolvePlanPolicy(overrides: Partial<PlanPolicy> = {}): PlanPolicy {
  return { ...defaultPlanPolicy, ...overrides };
}
