import { check, type CheckInput } from './soak/check';
import { planExpectations, visitExpectations, type FaultWindow, type PlanRun, type VisitRun } from './soak/model';

const S = 1_000_000;
const policy = {
  checkInIntervalMs: 12_000,
  graceMs: 2_000,
  ladder: [
    { notify: 'worker' as const, waitMs: 4_000, repeats: 1 },
    { notify: 'buddy' as const, waitMs: 4_000, repeats: 1 },
    { notify: 'manager' as const, waitMs: 4_000, repeats: 2 },
    { notify: 'emergency' as const, waitMs: 4_000, repeats: 1 },
  ],
  redFlagRepeatMs: 5_000,
  redFlagAlertsEmergency: true,
};
const addresses = { worker: 'w@x', buddy: 'b@x', manager: 'm@x', emergency: 'e@x' };
const visit = (actions: VisitRun['actions']): VisitRun => ({ visitId: 'v1', addresses, policy, started: { s: S, e: S + 100 }, actions });
const cut = { s: S + 600_000, e: S + 601_000 };
/** A plan whose review is due 20 s in, with the soak's fractional-day times. */
const plan = (acts: Pick<PlanRun, 'wentLive' | 'actionCompleted' | 'reviewed'>): PlanRun => ({
  planId: 'p1',
  addresses: { lead: 'l@x', manager: 'm@x', safeguardingLead: 's@x', actionOwner: 'o@x' },
  times: { dueAt: S + 20_000, reviewReminderBeforeMs: 10_000, actionReminderBeforeMs: 5_000, managerAfterMs: 6_000, leadAfterMs: 12_000, repeatEveryMs: 6_000 },
  ...acts,
});
const owed = (run: VisitRun, faults: FaultWindow[] = []) => visitExpectations(run, faults, cut).map((x) => [x.to, x.kind, x.plannedAt - S, x.due ? 'due' : 'may']);

test('When nobody checks in and a manager takes charge 2.5 s after the third alert, then the three alerts planned from the deadline are owed and nothing after', () => {
  // Deadline at 12 s, grace 2 s: worker 14 s, buddy 18 s, manager 22 s and 26 s.
  expect(owed(visit([{ kind: 'ack', s: S + 24_500, e: S + 24_800 }]))).toEqual([
    ['w@x', 'ladder', 14_000, 'due'],
    ['b@x', 'ladder', 18_000, 'due'],
    ['m@x', 'ladder', 22_000, 'due'],
  ]);
});

test('When the take-charge arrives about when an alert falls due, or while the worker is down, then that alert may or may not go out', () => {
  expect(owed(visit([{ kind: 'ack', s: S + 22_500, e: S + 22_600 }]))).toEqual([
    ['w@x', 'ladder', 14_000, 'due'],
    ['b@x', 'ladder', 18_000, 'due'],
    ['m@x', 'ladder', 22_000, 'may'],
  ]);
  const workerDown: FaultWindow = { name: 'worker SIGKILL', halts: true, s: S + 15_000, e: S + 17_000 };
  const relayDown: FaultWindow = { name: 'SMTP down', halts: false, s: S + 15_000, e: S + 17_000 };
  const ack = [{ kind: 'ack' as const, s: S + 24_500, e: S + 24_800 }];
  // Down between when each fell due and the take-charge: none of them is certain.
  expect(owed(visit(ack), [workerDown]).map((x) => x[3])).toEqual(['may', 'may', 'may']);
  // A relay outage delays delivery but never excuses a step.
  expect(owed(visit(ack), [relayDown]).map((x) => x[3])).toEqual(['due', 'due', 'due']);
});

test('When the relay is down as the harness cuts the run, then alerts that fell due in the outage may or may not have gone out, as after a halt', () => {
  // Nobody takes charge: the cut at 600 s ends the ladder. The relay went down at 585 s and
  // was back at 595 s, so a send retrying since then was terminated with its workflow.
  const lastSteps = visitExpectations(visit([]), [{ name: 'SMTP down', halts: false, s: S + 585_000, e: S + 595_000 }], cut).filter((x) => x.plannedAt > S + 560_000);
  expect(new Set(lastSteps.map((x) => x.due))).toEqual(new Set([true, false]));
  for (const x of lastSteps) expect([x.plannedAt - S, x.plannedAt >= S + 585_000 - 2_000 ? 'may' : 'due']).toEqual([x.plannedAt - S, x.due ? 'due' : 'may']);
});

test('When a manager takes charge while an alert is retrying against a relay that is down at the cut, then that alert may or may not have gone out', () => {
  // The relay went down at 585 s; the manager alert at 590 s was retrying when the manager took
  // charge at 594 s; the visit waits for that send before it ends, so the cut at 600 s ends it.
  const late = visit([{ kind: 'ack', s: S + 594_000, e: S + 594_300 }]);
  late.started = { s: S + 568_000, e: S + 568_100 };
  const relayDown: FaultWindow = { name: 'SMTP down', halts: false, s: S + 585_000, e: S + 595_000 };
  // Deadline at 580 s + 2 s grace: worker 582 s (before the outage), buddy 586 s, manager 590 s and 594 s.
  expect(owed(late, [relayDown])).toEqual([
    ['w@x', 'ladder', 582_000, 'due'],
    ['b@x', 'ladder', 586_000, 'may'],
    ['m@x', 'ladder', 590_000, 'may'],
    ['m@x', 'ladder', 594_000, 'may'],
  ]);
  // The same outage well before the cut excuses nothing: the send had its time to go out.
  const early = visit([{ kind: 'ack', s: S + 24_500, e: S + 24_800 }]);
  expect(owed(early, [{ ...relayDown, s: S + 15_000, e: S + 25_000 }]).map((x) => x[3])).toEqual(['due', 'due', 'due']);
});

test('When a red flag is raised after a check-in, then buddy, manager and emergency are owed at once and at every repeat until someone takes charge', () => {
  const run = visit([
    { kind: 'check-in', s: S + 4_000, e: S + 4_200 },
    { kind: 'red-flag', s: S + 7_000, e: S + 7_300 },
    { kind: 'ack', s: S + 14_500, e: S + 14_700 },
    { kind: 'resolve', s: S + 17_000, e: S + 17_200 },
  ]);
  expect(owed(run)).toEqual([
    ['b@x', 'red-flag', 7_000, 'due'],
    ['m@x', 'red-flag', 7_000, 'due'],
    ['e@x', 'red-flag', 7_000, 'due'],
    ['b@x', 'red-flag', 12_000, 'due'],
    ['m@x', 'red-flag', 12_000, 'due'],
    ['e@x', 'red-flag', 12_000, 'due'],
  ]);
});

test('When a plan is reviewed after its first overdue escalation, then its reminders, due-day notice and that escalation are owed', () => {
  const run = plan({ wentLive: { s: S + 1_000, e: S + 1_200 }, actionCompleted: { s: S + 17_500, e: S + 17_700 }, reviewed: { s: S + 28_500, e: S + 28_900 } });
  expect(planExpectations(run, [], cut).map((x) => [x.to, x.kind, x.plannedAt - S, x.due])).toEqual([
    ['l@x', 'plan-review-reminder', 10_000, true],
    ['o@x', 'plan-action-reminder', 15_000, true],
    ['m@x', 'plan-review-due', 20_000, true],
    ['m@x', 'plan-review-overdue', 26_000, true],
  ]);
});

test('When a plan goes live after its review reminder was due, then the reminder is owed at go-live; after its due day too, only the due-day notice is', () => {
  const run = plan({ wentLive: { s: S + 12_000, e: S + 12_400 }, actionCompleted: { s: S + 17_500, e: S + 17_700 }, reviewed: { s: S + 22_500, e: S + 22_900 } });
  const owedFor = (r: PlanRun) => planExpectations(r, [], cut).map((x) => [x.kind, x.plannedAt - S, x.due]);
  expect(owedFor(run)).toEqual([
    ['plan-review-reminder', 12_400, true],
    ['plan-action-reminder', 15_000, true],
    ['plan-review-due', 20_000, true],
  ]);
  const late = { ...run, wentLive: { s: S + 21_000, e: S + 21_300 }, actionCompleted: undefined, reviewed: { s: S + 24_500, e: S + 24_800 } };
  expect(owedFor(late)).toEqual([
    ['plan-action-reminder', 21_300, true],
    ['plan-review-due', 21_300, true],
  ]);
});

test('When the checker reads a copy twice, a missing alert and a refused address, then it counts one duplicate, one lost, and the 550 as recorded', () => {
  const expectations = visitExpectations(visit([{ kind: 'ack', s: S + 20_500, e: S + 20_800 }]), [], cut);
  const mail = (id: string, at: number) => ({ to: [], subject: '', text: '', html: '', messageId: `<${id}@carewatch>`, handedAt: new Date(S + at), receivedAt: new Date(S + at) });
  const delivery = (id: string, recipient: string, status = 'sent', lastError: string | null = null) => ({
    id,
    template: 'visit-overdue-worker',
    recipient,
    status,
    lastError,
    subjectType: 'visit',
    subjectId: 'v1',
  });
  const input: CheckInput = {
    expectations,
    received: [mail('d1', 14_500), mail('d1', 15_000)],
    deliveries: [delivery('d1', 'w@x'), { ...delivery('d2', 'b@x', 'failed', '550 Mailbox unavailable'), template: 'visit-alert' }],
    refused: new Set(['b@x']),
    faults: [],
    actions: [{ subjectType: 'visit', subject: 'v1', kind: 'ack', s: S + 20_500, e: S + 20_800, status: 200, message: '', attempts: 1, accepted: true }],
    inHistory: new Map([['v1', new Map([['ack', 1]])]]),
    inDatabase: new Map(),
    lateBoundMs: 10_000,
    stallMs: 60_000,
  };
  // The worker's alert arrived (twice); the buddy's address refuses mail; nothing else was owed by 20.5 s.
  const result = check(input);
  expect(result.visits).toMatchObject({ due: 1, delivered: 1, duplicated: 1, lost: 0, refusedSends: 1, refusedRecorded: 1, accepted: 1, inHistory: 1, inDatabase: 0 });
  expect(result.failures).toEqual(['visits: 1 duplicated']);
  // A worker killed between handing the first copy over and recording the relay's 250: the
  // second copy is counted, and is not the service's to avoid; a kill a second later is.
  const kill = (at: number): FaultWindow => ({ name: 'worker SIGKILL', halts: true, killsWorker: true, s: S + at, e: S + at + 2_000 });
  const inDoubt = check({ ...input, faults: [kill(14_508)] });
  expect(inDoubt.visits).toMatchObject({ duplicated: 1, resentInDoubt: 1 });
  expect(inDoubt.failures).toEqual([]);
  expect(check({ ...input, faults: [kill(15_600)] }).failures).toEqual(['visits: 1 duplicated']);
  expect(check({ ...input, received: [], inHistory: new Map() }).failures).toEqual([
    expect.stringMatching(/^visits: 1 lost/),
    expect.stringMatching(/^visits: 1 accepted actions not in history/),
  ]);
});
