// Pure data and checks shared by the workflow and the API: no Temporal or Node imports.
import { ladderOf, type EscalationLadder } from './escalation-timetable';

export type RiskLevel = 'low' | 'medium' | 'high';
/** Who a ladder step or a red flag reaches. */
export type ContactRole = 'worker' | 'buddy' | 'manager' | 'emergency';

export interface LadderStep {
  notify: ContactRole;
  /** How long to wait for an acknowledgement or a check-in after each alert of this step. */
  waitMs: number;
  /** Alerts sent at this step before moving on; the last step repeats until someone takes charge. */
  repeats: number;
}

export interface VisitPolicy {
  /** Null: no check-ins during the visit, only the ETA. */
  checkInIntervalMs: number | null;
  reminderBeforeMs: number;
  graceMs: number;
  ladder: LadderStep[];
  maxExtensions: number;
  maxTotalExtensionMs: number;
  /** From this many extensions on, each new one tells the buddy. */
  notifyBuddyFromExtension: number;
  redFlagAlertsEmergency: boolean;
  /** How often an unacknowledged red flag is sent again. */
  redFlagRepeatMs: number;
  /** A high-risk visit starts only with a second person present or a manager's approval. */
  highRiskNeedsSecondPersonOrApproval: boolean;
  /** A scheduled visit nobody started is flagged to the manager this long after its planned start. */
  notStartedAlertMs: number;
  ackLinkTtlMs: number;
  /** A run hands over to a new one (continue-as-new) past this many history events, so an unanswered alert's history stays bounded. */
  continueAsNewAfterEvents: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;

function ladder(workerMs: number, buddyMs: number, managerMs: number, emergencyMs: number): LadderStep[] {
  return [
    { notify: 'worker', waitMs: workerMs, repeats: 1 },
    { notify: 'buddy', waitMs: buddyMs, repeats: 2 },
    { notify: 'manager', waitMs: managerMs, repeats: 2 },
    { notify: 'emergency', waitMs: emergencyMs, repeats: 1 },
  ];
}

/** The same whatever the risk level. */
const EVERY_LEVEL = { highRiskNeedsSecondPersonOrApproval: true, ackLinkTtlMs: 24 * HOUR, continueAsNewAfterEvents: 2_000 } as const;

/**
 * Defaults per risk level. Check-in intervals follow public lone-worker guidance (Suzy
 * Lamplugh Trust, HSE INDG73: agree regular contact, more often the higher the risk) of
 * about 30 min for high risk, 2 h for medium and 4 h for low; the shorter the interval,
 * the shorter every wait behind it.
 */
export const DEFAULT_POLICIES: Record<RiskLevel, VisitPolicy> = {
  high: {
    checkInIntervalMs: 30 * MIN,
    reminderBeforeMs: 5 * MIN,
    graceMs: 5 * MIN,
    ladder: ladder(5 * MIN, 5 * MIN, 10 * MIN, 15 * MIN),
    maxExtensions: 2,
    maxTotalExtensionMs: 1 * HOUR,
    notifyBuddyFromExtension: 1,
    redFlagAlertsEmergency: true,
    redFlagRepeatMs: 5 * MIN,
    notStartedAlertMs: 15 * MIN,
    ...EVERY_LEVEL,
  },
  medium: {
    checkInIntervalMs: 2 * HOUR,
    reminderBeforeMs: 10 * MIN,
    graceMs: 10 * MIN,
    ladder: ladder(10 * MIN, 10 * MIN, 15 * MIN, 15 * MIN),
    maxExtensions: 3,
    maxTotalExtensionMs: 2 * HOUR,
    notifyBuddyFromExtension: 2,
    redFlagAlertsEmergency: false,
    redFlagRepeatMs: 10 * MIN,
    notStartedAlertMs: 30 * MIN,
    ...EVERY_LEVEL,
  },
  low: {
    checkInIntervalMs: 4 * HOUR,
    reminderBeforeMs: 15 * MIN,
    graceMs: 15 * MIN,
    ladder: ladder(15 * MIN, 15 * MIN, 20 * MIN, 20 * MIN),
    maxExtensions: 3,
    maxTotalExtensionMs: 3 * HOUR,
    notifyBuddyFromExtension: 2,
    redFlagAlertsEmergency: false,
    redFlagRepeatMs: 10 * MIN,
    notStartedAlertMs: 30 * MIN,
    ...EVERY_LEVEL,
  },
};

/** What a visit may change; anything else comes from its risk level. */
export type PolicyOverrides = Partial<
  Pick<VisitPolicy, 'checkInIntervalMs' | 'reminderBeforeMs' | 'graceMs' | 'ladder' | 'maxExtensions' | 'maxTotalExtensionMs' | 'redFlagAlertsEmergency' | 'notStartedAlertMs'>
>;

/** An override out of bounds, named and measured as the policy is (`ladder[2].waitMs`, in ms); `range` when a value left it. */
export interface PolicyProblem {
  field: string;
  message: string;
  range?: { min: number; max: number };
}

/**
 * Bounds on overrides: a visit may be watched more closely than its risk level asks, never
 * less (no longer interval, grace or wait than the default, no more extensions).
 */
export function policyViolations(policy: VisitPolicy, base: VisitPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const within = (field: string, value: number, min: number, max: number, whole = false) => {
    if (!(value >= min && value <= max && (!whole || Number.isInteger(value)))) problems.push({ field, message: `must be between ${min} and ${max}`, range: { min, max } });
  };
  const atMost = (field: string, value: number, max: number) => within(field, value, 0, max);
  if (policy.checkInIntervalMs !== null || base.checkInIntervalMs !== null) {
    if (policy.checkInIntervalMs === null) problems.push({ field: 'checkInIntervalMs', message: 'cannot be removed for this risk level' });
    else atMost('checkInIntervalMs', policy.checkInIntervalMs, base.checkInIntervalMs ?? 8 * HOUR);
  }
  atMost('graceMs', policy.graceMs, base.graceMs);
  atMost('reminderBeforeMs', policy.reminderBeforeMs, Math.min(base.reminderBeforeMs * 3, policy.checkInIntervalMs ?? Infinity));
  atMost('maxExtensions', policy.maxExtensions, base.maxExtensions);
  atMost('maxTotalExtensionMs', policy.maxTotalExtensionMs, base.maxTotalExtensionMs);
  atMost('notStartedAlertMs', policy.notStartedAlertMs, base.notStartedAlertMs);
  if (policy.ladder.length === 0) problems.push({ field: 'ladder', message: 'must have at least one step' });
  const longestWait = Math.max(...base.ladder.map((s) => s.waitMs));
  policy.ladder.forEach((step, i) => {
    within(`ladder[${i}].waitMs`, step.waitMs, 1, longestWait);
    within(`ladder[${i}].repeats`, step.repeats, 1, 5, true);
  });
  for (const role of ['buddy', 'manager'] as const) {
    if (!policy.ladder.some((s) => s.notify === role)) problems.push({ field: 'ladder', message: `must alert the ${role}` });
  }
  return problems;
}

/** The policy a visit runs under: its risk level's defaults with the visit's overrides. */
export function resolvePolicy(risk: RiskLevel, overrides: PolicyOverrides = {}): { policy: VisitPolicy; problems: PolicyProblem[] } {
  const base = DEFAULT_POLICIES[risk];
  const policy = { ...base, ...overrides };
  return { policy, problems: policyViolations(policy, base) };
}

/** The ladder an alert of this kind walks, its first send due at `startMs`. */
export function visitLadder(kind: 'missed-deadline' | 'red-flag' | 'duress' | 'not-started', policy: VisitPolicy, startMs: number): EscalationLadder<ContactRole> {
  if (kind === 'missed-deadline') return ladderOf(startMs, policy.ladder);
  if (kind === 'not-started') {
    const managerWait = policy.ladder.find((s) => s.notify === 'manager')?.waitMs ?? policy.redFlagRepeatMs;
    return { startMs, steps: [{ notify: ['manager'], waitMs: managerWait, repeats: 1 }] };
  }
  const notify: ContactRole[] = ['buddy', 'manager', ...(policy.redFlagAlertsEmergency ? (['emergency'] as const) : [])];
  return { startMs, steps: [{ notify, waitMs: policy.redFlagRepeatMs, repeats: 1 }] };
}
