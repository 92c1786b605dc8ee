import { allHandlersFinished, condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { dueAt } from './escalation-timetable';
import {
  acknowledgeRefusal,
  acknowledgeSignal,
  firstVisitState,
  nextAlarmMsOf,
  visitClockStartMs,
  visitKindAndTeam,
  type LadderKind,
  type VisitActor,
  type VisitInput,
  type VisitMemory,
  type VisitState,
} from './visit-contract';
import { indexedAtStart, iso, kindAndTeamAtStart, recordVisitEventAfterCommit, recordVisitEventLocally, SYSTEM, visitCore } from './visit-core';
import { legacyVisitWorkflow } from './visit-legacy';
import { visitLadder } from './visit-policy';

/** The message each ladder sends: to responders, and to the worker where a step reaches them. */
const TEMPLATES: Record<LadderKind, { responders: string; worker: string }> = {
  'missed-deadline': { responders: 'visit-alert', worker: 'visit-overdue-worker' },
  'red-flag': { responders: 'visit-red-flag', worker: 'visit-red-flag' },
  duress: { responders: 'visit-duress', worker: 'visit-duress' },
  'not-started': { responders: 'visit-not-started', worker: 'visit-not-started' },
};

function firstMemory(input: VisitInput): VisitMemory {
  return {
    state: firstVisitState(input, visitClockStartMs(input, Date.now())),
    seq: 0,
    awaitingWorker: false,
    duressRaised: false,
    remindedFor: null,
    startReminded: false,
    ladder: null,
    indexed: indexedAtStart(),
    runs: 1,
  };
}

/** Since this patch a send's activity writes the event that caused it. */
const SENDS_CARRY_RECORDS = 'visit-sends-carry-records';
/** Since this patch an event no send carries is written by an activity, after its workflow task is committed (visit-core). */
const RECORDS_AFTER_COMMIT = 'visit-records-after-commit';

/**
 * Since this patch the first record is written by the visit's starter (`firstVisitRecord`) and
 * the workflow's copy rides on its next activity: a record activity and its workflow task fewer
 * per visit.
 */
const START_RECORDED_BY_STARTER = 'visit-start-recorded-by-starter';

/** Whether a run takes a change: `patched()` where the visit may have started on older code, always where it cannot. */
type Takes = (patchId: string) => boolean;

/**
 * A visit started on today's code: it takes every change above without asking `patched()`,
 * whose first call in a run writes a marker and the SDK's TemporalChangeVersion
 * search-attribute upsert into history (two events, and a visibility write on the server). Its
 * starter gives it its search attributes (`visitStartOptions`), so its first workflow task
 * writes none either. A type of its own, not a flag in the input: a worker from before it
 * cannot run this type (its task fails until a current worker takes it), whereas it would run
 * a flagged visit and write markers and upserts this code does not, and the visit would not
 * replay here. A later change asks `patched()` here too.
 */
export async function visitWorkflowV3(input: VisitInput): Promise<VisitState> {
  return runVisit(input, () => true);
}

/**
 * The type new visits were started as from 2026-12-02 until `visitWorkflowV3`: it takes the
 * changes before it outright and asks for the start recorded by its starter, which came later.
 */
export async function currentVisitWorkflow(input: VisitInput): Promise<VisitState> {
  return runVisit(input, (patchId) => patchId !== START_RECORDED_BY_STARTER || patched(patchId));
}

/** The type visits were started as before `currentVisitWorkflow`: each change is asked, so their histories replay. */
export async function visitWorkflow(input: VisitInput): Promise<VisitState> {
  return runVisit(input, patched);
}

/**
 * One lone-working visit, from its start (or planned start) to check-out and the resolution
 * of any incident. Handlers first, then one loop that does what the timetable owes and waits
 * for the next thing due; every decision is recorded.
 */
async function runVisit(input: VisitInput, takes: Takes): Promise<VisitState> {
  if (!takes('visit-v2')) return legacyVisitWorkflow(input);
  const { policy } = input;
  const v = input.carried ?? firstMemory(input);
  const { state } = v;
  const visit = visitCore(input, state, v, {
    // The expected end, not the next check-in: a check-in then changes no search attribute.
    indexedDeadline: () => (state.phase === 'ended' ? null : state.eta),
    nextAlarmMs: () => nextAlarmMsOf(input, state, v),
    recordEvent: (event) => (takes(RECORDS_AFTER_COMMIT) ? recordVisitEventAfterCommit : recordVisitEventLocally)(event),
    startAlarm: (reason) => startLadder(reason, Date.now()),
    workerHeard: (stoodDown) => {
      if (stoodDown) v.ladder = null;
    },
    resolved: () => {
      v.ladder = null;
    },
    announcesResolution: () => true,
    // Since the patch a reminder's or an alert's send writes the event that caused it (visit-core `recordAndNotify`).
    carriesRecords: () => takes(SENDS_CARRY_RECORDS),
  });
  const { dueMs, record } = visit;

  /** Past its deadline with no ladder under way yet: anyone allowed may already take charge. */
  const overdue = () => state.phase === 'in-progress' && !v.awaitingWorker && Date.now() >= dueMs();

  /** A message that arrived when the visit could no longer act on it: kept, with why. */
  const declined = (actor: VisitActor, request: string, reason: string) => void record('request-declined', actor, { reason, data: { request } });

  // ---- The ladder ----

  function startLadder(kind: LadderKind, startMs: number): void {
    visit.startAlert(kind);
    v.ladder = { kind, startMs, done: 0 };
  }

  /** Sends what the ladder owes now (a send whose time passed goes at once); returns when the next is due. */
  function walkLadder(): number | null {
    const ladder = v.ladder!;
    const due = dueAt(visitLadder(ladder.kind, policy, ladder.startMs), ladder.done, Date.now());
    ladder.done = due.done;
    for (const send of due.send) visit.alertStep(TEMPLATES[ladder.kind], send.notify, send.step, send.repeat);
    return due.next?.at ?? null;
  }

  /** Does whatever is due now; returns when something is next due, or null when only a message can move the visit. */
  function actOnTimetable(): number | null {
    const t = Date.now();
    if (v.ladder) return walkLadder();
    if (state.phase === 'scheduled' && !state.incident) {
      const plannedMs = Date.parse(input.plannedStartAt!);
      if (!v.startReminded) {
        if (t < plannedMs) return plannedMs;
        v.startReminded = true;
        visit.recordAndNotify('start-reminder-sent', SYSTEM, {}, [{ roles: ['worker'], template: 'visit-start-reminder', extra: { plannedStartAt: input.plannedStartAt } }]);
      }
      // The not-started alert, at the time the visit's row names (nextAlarmMsOf): one rule for both.
      const alertMs = nextAlarmMsOf(input, state, v)!;
      if (t < alertMs) return alertMs;
      startLadder('not-started', alertMs);
      visit.openIncident('not-started');
      return walkLadder();
    }
    if (state.phase === 'in-progress' && !v.awaitingWorker) {
      const due = dueMs();
      if (v.remindedFor !== iso(due)) {
        const remindMs = due - policy.reminderBeforeMs;
        if (t < remindMs) return remindMs;
        v.remindedFor = iso(due);
        const dueKind = due === Date.parse(state.eta) ? 'check-out' : 'check-in';
        visit.recordAndNotify('reminder-sent', SYSTEM, { data: { dueKind } }, [{ roles: ['worker'], template: 'visit-reminder', extra: { dueKind } }]);
      }
      // Overdue from `due` on (take-charge is open), but only a status: no timer, no record.
      // The alert after the grace, at the time the row names.
      const alertMs = nextAlarmMsOf(input, state, v)!;
      if (t < alertMs) return alertMs;
      startLadder('missed-deadline', alertMs);
      return walkLadder();
    }
    return null;
  }

  /** The start's search attributes, where its starter did not give them, and its record. */
  function begin(startHeld: boolean): void {
    visit.index(kindAndTeamAtStart() ? [] : visitKindAndTeam(input.team));
    visit.recordStart(startHeld);
  }

  // Since the patch the start is decided before any handler: a signal kept before the first
  // workflow task runs as its handler is set, and would otherwise take event 1, which the
  // starter has written as the start.
  const startHeld = !input.carried && takes(START_RECORDED_BY_STARTER);
  if (startHeld) begin(true);

  // ---- Handlers, so nothing sent at start is lost ----

  visit.setStateQueryHandler();
  visit.setCheckInHandler(declined);
  visit.setCheckOutHandler(declined);
  visit.setRedFlagHandler(declined);

  setHandler(acknowledgeSignal, (req) => {
    const refused = acknowledgeRefusal(state, overdue());
    if (refused) return declined(req.actor, 'acknowledge', refused);
    // Taking charge of an overdue visit before its ladder starts is what stops the ladder.
    if (!state.alert) visit.startAlert('missed-deadline');
    v.ladder = null;
    visit.takeCharge(state.alert!, req);
  });
  visit.setExtendHandler();
  visit.setResolveHandler();

  // ---- Run ----

  if (!input.carried && !startHeld) begin(false);

  for (;;) {
    const nextMs = actOnTimetable();
    if (nextMs === null && state.phase === 'ended' && !state.incident) break;
    const seen = visit.changes();
    const untilNext = nextMs === null ? undefined : Math.max(1, nextMs - Date.now());
    const { historyLength, continueAsNewSuggested } = workflowInfo();
    if (continueAsNewSuggested || historyLength >= policy.continueAsNewAfterEvents) {
      // Hand over between sends once nothing is in flight; the next run resumes the same timetable.
      visit.writeHeld();
      const quiet = await condition(() => visit.changes() !== seen || (visit.inFlight.size === 0 && allHandlersFinished()), untilNext);
      if (quiet && visit.changes() === seen) await continueAsNew<typeof visitWorkflowV3>({ ...input, carried: { ...v, runs: v.runs + 1 } });
      continue;
    }
    await condition(() => visit.changes() !== seen, untilNext);
  }

  return visit.finish();
}
