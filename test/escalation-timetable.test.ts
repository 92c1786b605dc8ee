import { dueAt, ladderOf, plannedSend, plannedSends, type EscalationLadder } from '../workflows/escalation-timetable';
import { DEFAULT_POLICIES } from '../workflows/visit-policy';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** Minutes from the ladder's start, so expectations read like the policy. */
const T0 = Date.UTC(2026, 11, 1, 9, 0);
const at = (minutes: number) => T0 + minutes * MIN;
const minutes = (ms: number) => (ms - T0) / MIN;

// The high-risk visit ladder: worker 5 min x1, buddy 5 min x2, manager 10 min x2, emergency every 15 min.
const visit = ladderOf(T0, DEFAULT_POLICIES.high.ladder);

/** Walks a ladder as a workflow would, waking at `wakes` (minutes), and says what went when. */
function walk<R>(ladder: EscalationLadder<R>, wakes: number[]) {
  let done = 0;
  const log: { at: number; step: number; repeat: number; notify: R[] }[] = [];
  for (const wake of wakes) {
    const due = dueAt(ladder, done, at(wake));
    for (const s of due.send) log.push({ at: wake, step: s.step, repeat: s.repeat, notify: s.notify });
    done = due.done;
  }
  return log;
}

describe('The escalation timetable', () => {
  it('When nobody answers a high-risk visit, then worker, buddy twice, manager twice and the emergency contact every 15 minutes are alerted at times planned from the start', () => {
    const sends = plannedSends(visit, at(65));
    expect(sends.map((s) => [minutes(s.at), s.notify[0], s.step, s.repeat])).toEqual([
      [0, 'worker', 1, 1],
      [5, 'buddy', 2, 1],
      [10, 'buddy', 2, 2],
      [15, 'manager', 3, 1],
      [25, 'manager', 3, 2],
      [35, 'emergency', 4, 1],
      [50, 'emergency', 4, 2],
      [65, 'emergency', 4, 3],
    ]);
    expect(sends.map((s) => s.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('When the last step repeats for a day, then its sends keep their 15-minute beat from the start', () => {
    expect(minutes(plannedSend(visit, 6 + 96)!.at)).toBe(35 + 96 * 15);
    expect(plannedSend(visit, 6 + 96)).toMatchObject({ step: 4, repeat: 97, notify: ['emergency'] });
  });

  it('When a ladder does not repeat its last step, then it ends after its last planned send', () => {
    const reminders: EscalationLadder<string> = {
      startMs: T0,
      lastStepRepeats: false,
      steps: [
        { notify: ['leadPractitioner'], waitMs: 7 * DAY, repeats: 1 },
        { notify: ['leadPractitioner'], waitMs: 7 * DAY, repeats: 1 },
        { notify: ['manager'], waitMs: 0, repeats: 1 },
      ],
    };
    expect(plannedSends(reminders, T0 + 100 * DAY).map((s) => (s.at - T0) / DAY)).toEqual([0, 7, 14]);
    expect(plannedSend(reminders, 4)).toBeNull();
    expect(dueAt(reminders, 3, T0 + 100 * DAY)).toEqual({ send: [], done: 3, next: null });
  });

  it('When every wake is on time, then each send goes out alone at its planned minute', () => {
    expect(walk(visit, [0, 5, 10, 15, 25, 35]).map((s) => [s.at, s.notify[0]])).toEqual([
      [0, 'worker'],
      [5, 'buddy'],
      [10, 'buddy'],
      [15, 'manager'],
      [25, 'manager'],
      [35, 'emergency'],
    ]);
  });

  it('When a wake comes late, then the late send goes out at once and the next keeps its planned time (no drift)', () => {
    const due = dueAt(visit, 1, at(7));
    expect(due.send.map((s) => [s.step, s.repeat])).toEqual([[2, 1]]);
    expect(due.done).toBe(2);
    expect(minutes(due.next!.at)).toBe(10);
  });

  it('When an outage hides the buddy and first manager alerts, then the buddy and the manager are each alerted once at once, and the rest keep their times', () => {
    // Down from minute 1 to minute 21: buddy (5, 10) and manager (15) were missed.
    const due = dueAt(visit, 1, at(21));
    expect(due.send.map((s) => [s.notify[0], s.repeat])).toEqual([
      ['buddy', 2],
      ['manager', 1],
    ]);
    expect(due.done).toBe(4);
    expect(minutes(due.next!.at)).toBe(25);
  });

  it('When an outage lasts hours into the repeating last step, then the emergency contact gets one alert now, not one per missed repeat, and the beat continues', () => {
    const due = dueAt(visit, 5, at(35 + 15 * 40 + 3));
    expect(due.send).toHaveLength(1);
    expect(due.send[0]).toMatchObject({ step: 4, repeat: 41, notify: ['emergency'] });
    expect(minutes(due.next!.at)).toBe(35 + 15 * 41);
    expect(due.done).toBe(5 + 41);
  });

  it('When asked before the start, then nothing is due and the first send is next', () => {
    expect(dueAt(visit, 0, at(-3))).toEqual({ send: [], done: 0, next: plannedSend(visit, 1) });
  });

  it('When a step alerts several people, then the send names them all (a red flag: buddy, manager, emergency together)', () => {
    const redFlag: EscalationLadder<string> = { startMs: T0, steps: [{ notify: ['buddy', 'manager', 'emergency'], waitMs: 5 * MIN, repeats: 1 }] };
    expect(plannedSends(redFlag, at(10)).map((s) => [minutes(s.at), s.notify])).toEqual([
      [0, ['buddy', 'manager', 'emergency']],
      [5, ['buddy', 'manager', 'emergency']],
      [10, ['buddy', 'manager', 'emergency']],
    ]);
  });

  it('When a plan review is overdue, then the manager is told after the grace days and the safeguarding lead every week after (a ladder that starts late)', () => {
    const dueMs = Date.UTC(2026, 2, 2, 9);
    const overdue: EscalationLadder<string> = {
      startMs: dueMs + 2 * DAY,
      steps: [
        { notify: ['manager'], waitMs: 5 * DAY, repeats: 1 },
        { notify: ['safeguardingLead'], waitMs: 7 * DAY, repeats: 1 },
      ],
    };
    expect(plannedSends(overdue, dueMs + 21 * DAY).map((s) => [(s.at - dueMs) / DAY, s.notify[0]])).toEqual([
      [2, 'manager'],
      [7, 'safeguardingLead'],
      [14, 'safeguardingLead'],
      [21, 'safeguardingLead'],
    ]);
  });

  it('When a ladder is set up after its first time has passed (a review due today, set after the reminder hour), then that send goes out at once instead of never', () => {
    const setLate: EscalationLadder<string> = { startMs: T0, steps: [{ notify: ['manager'], waitMs: DAY, repeats: 1 }] };
    const due = dueAt(setLate, 0, at(90));
    expect(due.send.map((s) => s.n)).toEqual([1]);
    expect(due.next!.at).toBe(T0 + DAY);
  });

  it('When the work so far is carried across a hand-over (continue-as-new), then the timetable resumes without resending or skipping', () => {
    const before = dueAt(visit, 0, at(16));
    // A new run knows only the ladder and `done`.
    const after = dueAt(visit, before.done, at(25));
    expect(after.send.map((s) => [s.notify[0], s.repeat])).toEqual([['manager', 2]]);
    expect(dueAt(visit, after.done, at(25)).send).toEqual([]);
  });

  it('When a step has a zero wait and is last, then it does not flood: it sends its count and the ladder ends', () => {
    const flood: EscalationLadder<string> = { startMs: T0, steps: [{ notify: ['manager'], waitMs: 0, repeats: 2 }] };
    expect(dueAt(flood, 0, at(1))).toMatchObject({ done: 2, next: null });
  });
});
