import type { temporal } from '@temporalio/proto';
import type { VisitEventRecord } from '../activities/contract';
import { firstVisitRecord, type VisitInput } from '../workflows/visit-contract';
import { fixturesStartingWith, loadHistoryFixture } from './helpers/history-fixtures';

type Event = temporal.api.history.v1.IHistoryEvent;
const text = new TextDecoder();

const firstArgument = <T>(payloads: { data?: Uint8Array | null }[] | null | undefined): T | null => {
  const data = payloads?.[0]?.data;
  return data ? (JSON.parse(text.decode(data)) as T) : null;
};

/** The template of a notifyVisitContact activity, from its (decrypted) input. */
function templateOf(e: Event): string | null {
  const scheduled = e.activityTaskScheduledEventAttributes;
  if (scheduled?.activityType?.name !== 'notifyVisitContact') return null;
  return firstArgument<{ template: string }>(scheduled.input?.payloads)?.template ?? null;
}

/** History events and workflow tasks from the start to the first ladder alert (the worker's), inclusive. */
function toFirstEscalation(file: string) {
  const { events } = loadHistoryFixture(file).history;
  const upTo = events.findIndex((e) => templateOf(e) === 'visit-overdue-worker');
  const before = events.slice(0, upTo + 1);
  return {
    events: before.length,
    workflowTasks: before.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activities: before.filter((e) => e.activityTaskScheduledEventAttributes).length,
    searchAttributeUpserts: before.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length,
    patchMarkers: before.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch').length,
    localActivities: before.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
  };
}

/** The ladder scenario recorded on two versions of the code, each to its first escalation. */
function firstEscalations(beforeTag: string, afterTag: string) {
  const before = toFirstEscalation(`visit-history-${beforeTag}-ladder.json`);
  const after = toFirstEscalation(`visit-history-${afterTag}-ladder.json`);
  process.stdout.write(`[cost] start to first escalation: ${beforeTag} ${JSON.stringify(before)}, ${afterTag} ${JSON.stringify(after)}\n`);
  return { before, after };
}

const whole = (file: string) => loadHistoryFixture(file).history.events.length;

// The same scenarios recorded on the code before and after (test/visit-replay.test.ts): the
// visit must cost fewer history events for the same policy (issue 14).
describe('What a visit costs in history', () => {
  it('When a check-in is missed, then the first escalation takes fewer events and workflow tasks than before', () => {
    const { before, after } = firstEscalations('before', 'v2');
    expect(after.events).toBeLessThan(before.events);
    expect(after.workflowTasks).toBeLessThan(before.workflowTasks);
  });

  it('When the sends carry their own records, then the first escalation waits for fewer local activities, each saved marker paying for the patch once', () => {
    const { before, after } = firstEscalations('v2', 'v3');
    expect(after.localActivities).toBeLessThan(before.localActivities);
    expect(after.workflowTasks).toBeLessThanOrEqual(before.workflowTasks);
    // The patch costs its marker and the SDK's TemporalChangeVersion upsert once per run; every carried record saves a marker.
    expect(after.searchAttributeUpserts).toBe(before.searchAttributeUpserts + 1);
    expect(after.events).toBe(before.events - (before.localActivities - after.localActivities) + 2);
  });

  it('When a visit starts as currentVisitWorkflow, then it asks no patch: no marker and no TemporalChangeVersion upsert, the same workflow tasks', () => {
    const { before, after } = firstEscalations('v4', 'v5');
    expect(before.patchMarkers).toBeGreaterThan(0);
    expect(after.patchMarkers).toBe(0);
    expect(after.searchAttributeUpserts).toBe(before.searchAttributeUpserts - before.patchMarkers);
    expect(after.events).toBe(before.events - 2 * before.patchMarkers);
    expect(after.workflowTasks).toBe(before.workflowTasks);
  });

  it('When the starter writes the first record, then the first escalation takes one activity and one workflow task fewer, the patch costing its marker and upsert', () => {
    const { before, after } = firstEscalations('v5', 'v6');
    expect(after.activities).toBe(before.activities - 1);
    expect(after.workflowTasks).toBe(before.workflowTasks - 1);
    // The record's three activity events and its task's three go; the patch's marker and TemporalChangeVersion upsert come.
    expect(after.events).toBe(before.events - 6 + 2);
  });

  it("When a visit starts as visitWorkflowV3, then it asks no patch: the start-record patch's marker and TemporalChangeVersion upsert go, the same workflow tasks and activities", () => {
    const { before, after } = firstEscalations('v6', 'v7');
    expect(before.patchMarkers).toBe(1);
    expect(after.patchMarkers).toBe(0);
    expect(after.searchAttributeUpserts).toBe(before.searchAttributeUpserts - 1);
    expect(after.events).toBe(before.events - 2);
    expect(after.workflowTasks).toBe(before.workflowTasks);
    expect(after.activities).toBe(before.activities);
  });

  it("When the starter writes the first record, then it writes what the workflow decides, the workflow's copy riding on its next activity", () => {
    const fixtures = [...fixturesStartingWith('visit-history-v6-'), ...fixturesStartingWith('visit-history-v7-')];
    expect(fixtures.length).toBe(12);
    for (const file of fixtures) {
      const { events } = loadHistoryFixture(file).history;
      const input = firstArgument<VisitInput>(events[0].workflowExecutionStartedEventAttributes?.input?.payloads)!;
      const carried = events.flatMap((e) => {
        const arg = firstArgument<VisitEventRecord & { record?: VisitEventRecord }>(e.activityTaskScheduledEventAttributes?.input?.payloads);
        return (arg?.record ?? arg)?.earlier ?? [];
      });
      expect(carried.map((r) => r.seq)).toEqual([1]);
      const starters = firstVisitRecord({ ...input, requestedAt: carried[0].at });
      // These histories were recorded before rows named the next alarm; both sides compute it with nextAlarmMsOf.
      if (!('nextAlarmAt' in carried[0].visit)) delete starters.visit.nextAlarmAt;
      expect(starters).toEqual(carried[0]);
    }
  });

  it('When a visit is checked into and out on time, then its whole history is no longer than before', () => {
    const before = whole('visit-history-before-plain.json');
    const after = whole('visit-history-v2-plain.json');
    process.stdout.write(`[cost] plain visit (start, one check-in, check-out): before ${before} events, after ${after}\n`);
    expect(after).toBeLessThanOrEqual(before);
  });
});
