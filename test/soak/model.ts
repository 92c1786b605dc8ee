// What should have gone out, computed from the policy and from what users did and when: an
// independent model of the service's promises (DOMAIN.md), never a reading of what it recorded.
import type { ContactRole } from '../../workflows/visit-policy';

/** From a user's first attempt to the answer that settled it: where the service took it is somewhere inside. */
export interface Window {
  s: number;
  e: number;
}

/** A fault from its start until the harness had put things back (and the service had time to notice). */
export interface FaultWindow extends Window {
  name: string;
  /** No workflow can act meanwhile (no worker, no server, or no database for its records and sends): what fell due then may lose a race with a user's stop. */
  halts: boolean;
  /** The worker was SIGKILLed at its start: a send it had just handed over may be unrecorded. */
  killsWorker?: boolean;
}

/** One message owed to one address. */
export interface Expectation {
  /** The visit or plan it is about. */
  subject: string;
  subjectType: 'visit' | 'plan';
  to: string;
  /** The templates it may arrive as: a ladder step, a red flag, one plan alarm. */
  kind: string;
  plannedAt: number;
  /** Owed for sure; otherwise it may or may not go out (it fell due about when someone stopped it). */
  due: boolean;
}

/** The templates that make up each kind, to sort what was received. */
export const KIND_OF_TEMPLATE: Record<string, string> = {
  'visit-overdue-worker': 'ladder',
  'visit-alert': 'ladder',
  'visit-red-flag': 'red-flag',
  'visit-duress': 'red-flag',
  'plan-review-reminder': 'plan-review-reminder',
  'plan-action-reminder': 'plan-action-reminder',
  'plan-review-due': 'plan-review-due',
  'plan-review-overdue': 'plan-review-overdue',
};

/** After a stop was answered this long, nothing it stopped may still go out. */
const AFTER_ANSWER_MS = 1_000;
/** An alert falling due this close before a stop may lose the race to it (a loaded machine's workflow-task latency). */
const RACE_MS = 2_000;
/** After a fault is repaired, how long the service may take to pick its work up again (a dead worker's sticky queue alone is 5 s). */
export const RECOVERY_MS = 15_000;

/** Whether a fault lay between two times (reaching on past its repair by the time to recover). */
export const faultBetween = (faults: FaultWindow[], from: number, to: number) => faults.some((f) => f.s <= to && f.e + RECOVERY_MS >= from);
const halted = (faults: FaultWindow[]) => faults.filter((f) => f.halts);

/**
 * Whether a message planned at `plannedAt` is owed, given the action that stopped it (if any):
 * owed when it fell due clearly before, with the service running meanwhile; not owed at all
 * once the stop was answered; in between, either is right.
 */
function classify(plannedAt: number, shiftMs: number, stop: Window | undefined, faults: FaultWindow[], cut: Window): 'due' | 'optional' | 'none' {
  const limit = stop ?? cut;
  if (plannedAt > limit.e + AFTER_ANSWER_MS) return 'none';
  const latest = plannedAt + shiftMs;
  // The harness's cut terminates the workflow, and with it a send still retrying after any
  // fault not yet recovered from (a relay down too) that began before the send fell due. A
  // stopped visit is no exception: it ends only once its sends are settled, so one whose
  // take-charge came while an alert was retrying is still running at the cut.
  const cutShort = faults.some((f) => f.e + RECOVERY_MS >= cut.s && latest >= f.s - RACE_MS);
  if (latest < limit.s - RACE_MS && !faultBetween(halted(faults), plannedAt, limit.s) && !cutShort) return 'due';
  return 'optional';
}

// ---- Visits ----

export interface SoakVisitPolicy {
  checkInIntervalMs: number;
  graceMs: number;
  ladder: { notify: ContactRole; waitMs: number; repeats: number }[];
  redFlagRepeatMs: number;
  redFlagAlertsEmergency: boolean;
}

export type VisitActionKind = 'check-in' | 'check-out' | 'red-flag' | 'ack' | 'resolve';

export interface VisitRun {
  visitId: string;
  addresses: Record<ContactRole, string>;
  policy: SoakVisitPolicy;
  /** The start request; the workflow's clock starts when it first runs, so a fault at start widens it. */
  started: Window;
  /** Actions the service took (answered 2xx, or refused as already done after an attempt that got no answer). */
  actions: (Window & { kind: VisitActionKind })[];
}

interface Planned {
  roles: ContactRole[];
  at: number;
  kind: string;
}

/** The missed-deadline ladder planned from the deadline: each step after the waits before it, the last one repeating. */
function* ladderFrom(policy: SoakVisitPolicy, heardAt: number): Generator<Planned> {
  let at = heardAt + policy.checkInIntervalMs + policy.graceMs;
  for (const [index, step] of policy.ladder.entries()) {
    const last = index === policy.ladder.length - 1;
    for (let repeat = 0; last || repeat < step.repeats; repeat++) {
      yield { roles: [step.notify], at, kind: 'ladder' };
      at += step.waitMs;
    }
  }
}

/** A red flag alerts buddy and manager (and emergency, by policy) at once, again every repeat until someone takes charge. */
function* redFlagFrom(policy: SoakVisitPolicy, raisedAt: number): Generator<Planned> {
  const roles: ContactRole[] = ['buddy', 'manager', ...(policy.redFlagAlertsEmergency ? (['emergency'] as const) : [])];
  for (let at = raisedAt; ; at += policy.redFlagRepeatMs) yield { roles, at, kind: 'red-flag' };
}

/** Every alert the visit owed, from its policy and what people did. */
/** `cut`: when the harness stopped (terminated) whatever nobody had stopped. */
export function visitExpectations(run: VisitRun, faults: FaultWindow[], cut: Window): Expectation[] {
  const out: Expectation[] = [];
  const stops = [...run.actions].sort((a, b) => a.s - b.s);
  // The start's window reaches to the end of a fault it fell into: the workflow first runs after it.
  const startFault = halted(faults).find((f) => f.s <= run.started.e && f.e + RECOVERY_MS >= run.started.s);
  let anchor: Window = { s: run.started.s, e: Math.max(run.started.e, startFault ? startFault.e + RECOVERY_MS : 0) };
  let mode: 'watch' | 'red-flag' | 'quiet' = 'watch';
  for (let i = 0; ; i++) {
    const stop = stops[i];
    if (mode !== 'quiet') {
      const plan = mode === 'watch' ? ladderFrom(run.policy, anchor.s) : redFlagFrom(run.policy, anchor.s);
      for (const alert of plan) {
        const owed = classify(alert.at, anchor.e - anchor.s, stop, faults, cut);
        if (owed === 'none') break;
        for (const role of alert.roles) {
          out.push({ subject: run.visitId, subjectType: 'visit', to: run.addresses[role], kind: alert.kind, plannedAt: alert.at, due: owed === 'due' });
        }
      }
    }
    if (!stop || stop.kind === 'check-out' || stop.kind === 'resolve') return out;
    if (stop.kind === 'red-flag') [mode, anchor] = ['red-flag', stop];
    else if (stop.kind === 'ack') mode = 'quiet';
    // A check-in restarts the deadline, but does not stand a red flag down: only taking charge does.
    else if (mode !== 'red-flag') [mode, anchor] = ['watch', stop];
  }
}

// ---- Plans ----

export interface SoakPlanTimes {
  /** When the review falls due (the policy's notify hour on the review date). */
  dueAt: number;
  reviewReminderBeforeMs: number;
  actionReminderBeforeMs: number;
  managerAfterMs: number;
  leadAfterMs: number;
  repeatEveryMs: number;
}

export interface PlanRun {
  planId: string;
  addresses: { lead: string; manager: string; safeguardingLead: string; actionOwner: string };
  times: SoakPlanTimes;
  wentLive?: Window;
  actionCompleted?: Window;
  reviewed?: Window;
}

/** Every reminder and escalation the plan owed: the review's reminder, the action's, the due day, then the overdue ladder. */
export function planExpectations(run: PlanRun, faults: FaultWindow[], cut: Window): Expectation[] {
  if (!run.wentLive) return [];
  const t = run.times;
  const out: Expectation[] = [];
  const push = (to: string, kind: string, at: number, stop: Window | undefined, setAt?: Window, unsure = false): boolean => {
    // A time that passed before the plan went live is owed the moment it did (the service then
    // has the date); one that passed while it was going live may go either way.
    const plannedAt = setAt && at < setAt.s ? setAt.e : at;
    const owed = classify(plannedAt, 0, stop, faults, cut);
    if (owed === 'none') return false;
    out.push({ subject: run.planId, subjectType: 'plan', to, kind, plannedAt, due: owed === 'due' && !unsure && !(setAt && at >= setAt.s && at < setAt.e) });
    return true;
  };
  // Of a review's reminder and due-day notice, only the latest whose time passed before the
  // date was set goes out then, saying how far off the review is (workflows/plan-schedule.ts).
  if (t.dueAt >= run.wentLive.s) {
    push(run.addresses.lead, 'plan-review-reminder', t.dueAt - t.reviewReminderBeforeMs, run.reviewed, run.wentLive, t.dueAt < run.wentLive.e);
  }
  push(run.addresses.actionOwner, 'plan-action-reminder', t.dueAt - t.actionReminderBeforeMs, run.actionCompleted, run.wentLive);
  push(run.addresses.manager, 'plan-review-due', t.dueAt, run.reviewed, run.wentLive);
  push(run.addresses.manager, 'plan-review-overdue', t.dueAt + t.managerAfterMs, run.reviewed);
  for (let n = 0; push(run.addresses.safeguardingLead, 'plan-review-overdue', t.dueAt + t.leadAfterMs + n * t.repeatEveryMs, run.reviewed); n++);
  return out;
}
