// Which reminders and escalations a plan owes, computed from its state: pure, so the
// workflow only waits for the earliest and tests can read the timetable directly.
import type { PlanContacts } from '../domain/plan/types';
import type { PlanState, ReviewTrack } from './plan-contract';
import { ladderOf, plannedSend, type EscalationLadder } from './escalation-timetable';
import type { PlanPolicy } from './plan-policy';
import { DAY_MS, dateStartMs, toDateString } from './working-days';

export interface Alarm {
  /** Unique within the workflow: review number, date revision and step. */
  key: string;
  atMs: number;
  to: keyof PlanContacts | { email: string };
  template: string;
  data: Record<string, unknown>;
}

/** A ladder of the one escalation timetable, with the keys and message its sends carry. */
export interface Ladder {
  prefix: string;
  timetable: EscalationLadder<keyof PlanContacts>;
  template: string;
  data: Record<string, unknown>;
}

/** The first planned send not yet sent, at its planned time; null once a ladder that does not repeat has ended. */
export function nextLadderStep(ladder: Ladder, sent: ReadonlySet<string>): Alarm | null {
  let n = 1;
  while (sent.has(`${ladder.prefix}:step-${n}`)) n++;
  const send = plannedSend(ladder.timetable, n);
  return send && { key: `${ladder.prefix}:step-${n}`, atMs: send.at, to: send.notify[0], template: ladder.template, data: { ...ladder.data, escalation: n } };
}

/**
 * A decision owed by a day (an unscheduled review request, a disagreement): the manager on the
 * day, then the safeguarding lead every `everyDays` until it is decided.
 */
export function decisionDueLadder(prefix: string, startMs: number, everyDays: number, template: string, data: Record<string, unknown>): Ladder {
  const timetable = ladderOf<keyof PlanContacts>(startMs, [
    { notify: 'manager', waitMs: everyDays * DAY_MS, repeats: 1 },
    { notify: 'safeguardingLead', waitMs: everyDays * DAY_MS, repeats: 1 },
  ]);
  return { prefix, timetable, template, data };
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
  const { overdueManagerAfterDays: manager, overdueLeadAfterDays: lead } = policy;
  const overdue = nextLadderStep(
    {
      prefix: `${prefix}:overdue`,
      timetable: ladderOf<keyof PlanContacts>(dueMs + manager * DAY_MS, [
        { notify: 'manager', waitMs: (lead - manager) * DAY_MS, repeats: 1 },
        { notify: 'safeguardingLead', waitMs: policy.overdueRepeatEveryDays * DAY_MS, repeats: 1 },
      ]),
      template: 'plan-review-overdue',
      data,
    },
    sent,
  );
  const beforeDue = [...reminders, dueDay];
  const passed = beforeDue.filter((a) => a.atMs < track.setAtMs);
  // A date set after some of its reminders' times (a review due today, set after the reminder
  // hour): the latest of them goes out at once, saying how far off the review really is. Dates
  // set before this rule keep theirs unsent, as they were.
  const latePassed = passed.at(-1);
  const late: Alarm[] =
    track.lateRemindersAtOnce && latePassed
      ? [
          {
            ...latePassed,
            atMs: track.setAtMs,
            data: { ...latePassed.data, ...(latePassed.data.daysBefore === undefined ? {} : { daysBefore: daysBetween(track.setAtMs, dueMs) }) },
          },
        ]
      : [];
  return [...late, ...beforeDue.filter((a) => a.atMs >= track.setAtMs), ...(overdue ? [overdue] : [])];
}

const daysBetween = (fromMs: number, toMs: number) => Math.round((dateStartMs(toDateString(toMs)) - dateStartMs(toDateString(fromMs))) / DAY_MS);

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
    .flatMap((r) => {
      const dueMs = notifyAt(r.decisionDueDate, policy);
      return (
        nextLadderStep(
          decisionDueLadder(`unscheduled-${r.id}`, dueMs, policy.unscheduledEscalateEveryDays, 'plan-unscheduled-decision-due', {
            requestId: r.id,
            decisionDueDate: r.decisionDueDate,
            reasons: r.reasons,
          }),
          sent,
        ) ?? []
      );
    });
  const actions = state.content.actions
    .filter((a) => !a.completedAt)
    .flatMap((a): Alarm[] => {
      const data = { actionId: a.id, description: a.description, dueDate: a.dueDate };
      const dueMs = notifyAt(a.dueDate, policy);
      return [
        {
          key: `action-${a.id}:remind`,
          atMs: dueMs - policy.actionReminderDaysBefore * DAY_MS,
          to: a.owner.email ? { email: a.owner.email } : 'leadPractitioner',
          template: 'plan-action-reminder',
          data,
        },
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
