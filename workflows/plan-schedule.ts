// Which reminders and escalations a plan owes, computed from its state: pure, so the
// workflow only waits for the earliest and tests can read the timetable directly.
import type { PlanContacts } from '../domain/plan/types';
import type { PlanState, ReviewTrack } from './plan-contract';
import type { PlanPolicy } from './plan-policy';
import { DAY_MS, dateStartMs } from './working-days';

export interface Alarm {
  /** Unique within the workflow: review number, date revision and step. */
  key: string;
  atMs: number;
  to: keyof PlanContacts | { email: string };
  template: string;
  data: Record<string, unknown>;
}

export interface Ladder {
  prefix: string;
  /** The first step's time; later steps are offsets from it. */
  startMs: number;
  steps: { afterMs: number; to: keyof PlanContacts }[];
  /** The last step repeats this often until the ladder is no longer owed. */
  repeatEveryMs: number;
  template: string;
  data: Record<string, unknown>;
}

/** The next unsent step of a ladder that repeats its last step forever. */
export function nextLadderStep(ladder: Ladder, sent: ReadonlySet<string>): Alarm {
  let n = 1;
  while (sent.has(`${ladder.prefix}:step-${n}`)) n++;
  const last = ladder.steps.length - 1;
  const step = ladder.steps[Math.min(n - 1, last)];
  const afterMs = n - 1 <= last ? step.afterMs : ladder.steps[last].afterMs + (n - 1 - last) * ladder.repeatEveryMs;
  return { key: `${ladder.prefix}:step-${n}`, atMs: ladder.startMs + afterMs, to: step.to, template: ladder.template, data: { ...ladder.data, escalation: n } };
}

/**
 * A decision owed by a day (an unscheduled review request, a disagreement): the manager on the
 * day, then the safeguarding lead every `everyDays` until it is decided.
 */
export function decisionDueLadder(prefix: string, startMs: number, everyDays: number, template: string, data: Record<string, unknown>): Ladder {
  return {
    prefix,
    startMs,
    steps: [
      { afterMs: 0, to: 'manager' },
      { afterMs: everyDays * DAY_MS, to: 'safeguardingLead' },
    ],
    repeatEveryMs: everyDays * DAY_MS,
    template,
    data,
  };
}

const notifyAt = (date: string, policy: PlanPolicy) => dateStartMs(date) + policy.notifyHourUtc * 60 * 60 * 1000;

function reviewAlarms(track: ReviewTrack, kind: 'review' | 'one-to-one', reminderDays: number[], policy: PlanPolicy, sent: ReadonlySet<string>): Alarm[] {
  const prefix = `${kind}-${track.number}.${track.revision}`;
  const dueMs = notifyAt(track.dueDate, policy);
  const data = { kind, reviewNumber: track.number, dueDate: track.dueDate };
  const reminders: Alarm[] = reminderDays.map((days) => ({
    key: `${prefix}:remind-${days}d`,
    atMs: dueMs - days * DAY_MS,
    to: 'leadPractitioner',
    template: 'plan-review-reminder',
    data: { ...data, daysBefore: days },
  }));
  const dueDay: Alarm = { key: `${prefix}:due`, atMs: dueMs, to: 'manager', template: 'plan-review-due', data };
  const overdue = nextLadderStep(
    {
      prefix: `${prefix}:overdue`,
      startMs: dueMs,
      steps: [
        { afterMs: policy.overdueManagerAfterDays * DAY_MS, to: 'manager' },
        { afterMs: policy.overdueLeadAfterDays * DAY_MS, to: 'safeguardingLead' },
      ],
      repeatEveryMs: policy.overdueRepeatEveryDays * DAY_MS,
      template: 'plan-review-overdue',
      data,
    },
    sent,
  );
  // A reminder that would have been due before the date was set is not sent late.
  return [...reminders, dueDay].filter((a) => a.atMs >= track.setAtMs).concat(overdue);
}

/** Every alarm the plan owes now, sent or not. */
export function owedAlarms(state: PlanState, policy: PlanPolicy): Alarm[] {
  if (state.status !== 'live') return [];
  const sent = new Set(state.sent);
  const reviews = [
    ...(state.review ? reviewAlarms(state.review, 'review', policy.reminderDaysBefore, policy, sent) : []),
    ...(state.oneToOneReview ? reviewAlarms(state.oneToOneReview, 'one-to-one', policy.oneToOneReminderDaysBefore, policy, sent) : []),
  ];
  const requests = state.requests
    .filter((r) => !r.decision)
    .map((r) => {
      const dueMs = notifyAt(r.decisionDueDate, policy);
      return nextLadderStep(
        decisionDueLadder(`unscheduled-${r.id}`, dueMs, policy.unscheduledEscalateEveryDays, 'plan-unscheduled-decision-due', {
          requestId: r.id,
          decisionDueDate: r.decisionDueDate,
          reasons: r.reasons,
        }),
        sent,
      );
    });
  const actions = state.content.actions
    .filter((a) => !a.completedAt)
    .flatMap((a): Alarm[] => {
      const data = { actionId: a.id, description: a.description, dueDate: a.dueDate };
      const dueMs = notifyAt(a.dueDate, policy);
      return [
        { key: `action-${a.id}:remind`, atMs: dueMs - policy.actionReminderDaysBefore * DAY_MS, to: a.owner.email ? { email: a.owner.email } : 'leadPractitioner', template: 'plan-action-reminder', data },
        { key: `action-${a.id}:overdue`, atMs: dueMs + DAY_MS, to: 'leadPractitioner', template: 'plan-action-overdue', data },
      ];
    });
  return [...reviews, ...requests, ...actions];
}

/** The earliest alarm not yet sent, or null when nothing is owed. */
export function nextAlarm(state: PlanState, policy: PlanPolicy): Alarm | null {
  const sent = new Set(state.sent);
  return owedAlarms(state, policy)
    .filter((a) => !sent.has(a.key))
    .reduce<Alarm | null>((earliest, a) => (!earliest || a.atMs < earliest.atMs ? a : earliest), null);
}

/** Keys still meaningful for the open dates: the rest are dropped so state stays small. */
export function pruneSent(state: PlanState, policy: PlanPolicy): string[] {
  const prefixes = owedAlarms(state, policy).map((a) => a.key.slice(0, a.key.indexOf(':') + 1));
  return state.sent.filter((k) => prefixes.some((p) => k.startsWith(p)));
}
