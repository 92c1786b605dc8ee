import { condition, defineUpdate, patched, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities/contract';
import { doneBeforeDeadline } from './deadline';
import {
  acknowledgeSignal,
  alreadyTakenBy,
  checkInRefusal,
  checkOutRefusal,
  firstVisitState,
  redFlagRefusal,
  visitKindAndTeam,
  workerView,
  type AcknowledgeRequest,
  type CheckInRequest,
  type RedFlagRequest,
  type VisitInput,
  type VisitState,
} from './visit-contract';
import { RECORD_OPTIONS, recordVisitEventLocally, reject, SYSTEM, visitCore, type SharedMemory } from './visit-core';
import type { ContactRole } from './visit-policy';

// The visit as it ran before 'visit-v2': frozen, so visits started before that deploy replay
// exactly. Its only addition is the signals the API now sends, each running the update
// handler of the same name (adding a handler is replay-safe).

// The updates the API sent before 'visit-v2': histories hold them, so their handlers stay.
const checkInUpdate = defineUpdate<VisitState, [CheckInRequest]>('checkIn');
const checkOutUpdate = defineUpdate<VisitState, [CheckInRequest]>('checkOut');
const raiseRedFlagUpdate = defineUpdate<VisitState, [RedFlagRequest]>('raiseRedFlag');
const acknowledgeUpdate = defineUpdate<VisitState, [AcknowledgeRequest]>('acknowledge');

// Before 'visit-events-as-local-activities' a record was an activity of its own.
const { recordVisitEvent } = proxyActivities<Activities>(RECORD_OPTIONS);

interface AlertStep {
  notify: ContactRole[];
  waitMs: number;
  repeats: number;
}

/** Throws the refusal, if any: a validator's answer. */
const refuse = (refusal: string | null) => {
  if (refusal) reject(refusal);
};

/**
 * One lone-working visit, from its start (or planned start) to check-out and the
 * resolution of any incident. Timing lives here; every decision is recorded.
 */
export async function legacyVisitWorkflow(input: VisitInput): Promise<VisitState> {
  const { policy } = input;
  const state: VisitState = firstVisitState(input, Date.now());
  const memory: SharedMemory = { seq: 0, awaitingWorker: false, duressRaised: false, indexed: '' };
  /** Bumped whenever the worker is heard from (a normal check-in, extension or check-out). */
  let heard = 0;
  let overdue = false;
  let redFlagPending = false;

  const visit = visitCore(input, state, memory, {
    indexedDeadline: () => state.nextDueAt,
    recordEvent: (event) => (patched('visit-events-as-local-activities') ? recordVisitEventLocally : recordVisitEvent)(event),
    overdue: () => overdue,
    startAlarm: (reason) => {
      visit.startAlert(reason);
      redFlagPending = true;
    },
    workerHeard: () => {
      heard++;
      overdue = false;
    },
    resolved: () => {
      redFlagPending = false;
    },
    announcesResolution: () => patched('resolution-notice'),
  });
  const { dueMs, record, notify } = visit;

  /** Alerts step by step until `stopped`; the last step repeats until someone takes charge. */
  async function alertUntil(steps: AlertStep[], template: string, stopped: () => boolean): Promise<void> {
    for (const [index, step] of steps.entries()) {
      const last = index === steps.length - 1;
      for (let repeat = 0; last || repeat < step.repeats; repeat++) {
        if (stopped()) return;
        visit.alertStep({ worker: 'visit-overdue-worker', responders: template }, step.notify, index + 1, repeat + 1);
        const answered = await condition(stopped, step.waitMs);
        if (answered) return;
      }
    }
  }

  const takenCharge = () => !state.alert || !!state.alert.owner;

  // ---- Handlers first, so nothing sent at start is lost ----

  /** One of the updates the API sent before: the signal's refusal, answered with the visit as the caller may see it. */
  function setUpdateHandler<R>(
    update: UpdateDefinition<VisitState, [R]>,
    refusal: (s: VisitState) => string | null,
    act: (req: R) => void,
    view: (s: VisitState) => VisitState,
  ): void {
    setHandler(
      update,
      (req) => {
        act(req);
        return view(state);
      },
      { validator: (_req: R) => refuse(refusal(state)) },
    );
  }
  // A signal acts unless refused, like the update of the same name; a refused one changes nothing.
  const ignored = () => undefined;

  // Before 'visit-v2' only an alert that had reached a responder could be taken charge of.
  const acknowledgeRefusal = (s: VisitState) => (!s.alert || !s.incident ? 'There is no alert to acknowledge' : s.alert.owner ? alreadyTakenBy(s.alert.owner) : null);
  const takeCharge = (req: AcknowledgeRequest) => visit.takeCharge(state.alert!, req);

  // In the order they were registered before, so messages waiting at the start run as they did.
  visit.setStateQueryHandler();
  setUpdateHandler(checkInUpdate, checkInRefusal, visit.checkIn, workerView);
  visit.setCheckInHandler(ignored);
  visit.setExtendHandler();
  setUpdateHandler(checkOutUpdate, checkOutRefusal, visit.checkOut, workerView);
  visit.setCheckOutHandler(ignored);
  setUpdateHandler(raiseRedFlagUpdate, redFlagRefusal, visit.redFlag, (s) => s);
  visit.setRedFlagHandler(ignored);
  setUpdateHandler(acknowledgeUpdate, acknowledgeRefusal, takeCharge, (s) => s);
  setHandler(acknowledgeSignal, (req) => {
    if (!acknowledgeRefusal(state)) takeCharge(req);
  });
  visit.setResolveHandler();

  // ---- Run ----

  if (input.searchAttributes !== false) {
    upsertSearchAttributes(visitKindAndTeam(input.team));
  }
  visit.recordStart();

  async function watchScheduledStart(): Promise<void> {
    const started = () => state.phase !== 'scheduled';
    const plannedMs = Date.parse(input.plannedStartAt!);
    if (patched('scheduled-start-reminder')) {
      if (await doneBeforeDeadline(started, () => plannedMs)) return;
      notify(['worker'], 'visit-start-reminder', record('start-reminder-sent', SYSTEM), { plannedStartAt: input.plannedStartAt });
    }
    if (await doneBeforeDeadline(started, () => plannedMs + policy.notStartedAlertMs)) return;
    visit.startAlert('not-started');
    visit.openIncident('not-started');
    const managerWait = policy.ladder.find((s) => s.notify === 'manager')?.waitMs ?? policy.redFlagRepeatMs;
    await alertUntil([{ notify: ['manager'], waitMs: managerWait, repeats: 1 }], 'visit-not-started', () => started() || takenCharge());
  }

  async function watchNextDeadline(): Promise<void> {
    const since = heard;
    const interrupted = () => heard !== since || state.phase !== 'in-progress' || redFlagPending;
    if (await doneBeforeDeadline(interrupted, () => dueMs() - policy.reminderBeforeMs)) return;
    const dueKind = dueMs() === Date.parse(state.eta) ? 'check-out' : 'check-in';
    notify(['worker'], 'visit-reminder', record('reminder-sent', SYSTEM, { data: { dueKind } }), { dueKind });
    if (await doneBeforeDeadline(interrupted, dueMs)) return;
    overdue = true;
    record('overdue', SYSTEM, { data: { dueKind } });
    if (await doneBeforeDeadline(interrupted, () => dueMs() + policy.graceMs)) return;
    visit.startAlert('missed-deadline');
    const ladder = policy.ladder.map((s) => ({ ...s, notify: [s.notify] }));
    await alertUntil(ladder, 'visit-alert', () => interrupted() || takenCharge());
  }

  async function alertRedFlag(): Promise<void> {
    redFlagPending = false;
    const reason = state.alert!.reason;
    const notifyRoles: ContactRole[] = ['buddy', 'manager', ...(policy.redFlagAlertsEmergency ? (['emergency'] as const) : [])];
    // A duress code entered while a red flag is still being sent goes out at once, not after it.
    const yieldsToNewer = patched('red-flag-yields-to-duress');
    const stopped = () => takenCharge() || (yieldsToNewer && redFlagPending);
    await alertUntil([{ notify: notifyRoles, waitMs: policy.redFlagRepeatMs, repeats: 1 }], reason === 'duress' ? 'visit-duress' : 'visit-red-flag', stopped);
  }

  for (;;) {
    if (redFlagPending) await alertRedFlag();
    else if (state.phase === 'scheduled' && !state.incident) await watchScheduledStart();
    else if (state.phase === 'in-progress' && !memory.awaitingWorker) await watchNextDeadline();
    else if (state.phase === 'ended' && !state.incident) break;
    else {
      // Someone has taken charge: wait for the worker, a red flag or the manager's resolution.
      const seen = visit.changes();
      await condition(() => visit.changes() !== seen || redFlagPending);
    }
  }

  return visit.finish();
}
