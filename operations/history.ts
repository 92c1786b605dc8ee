import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

/** A plan continues as new to keep its history short; its story is every run, oldest first. */
export async function fetchRuns(client: Client, workflowId: string, maxRuns = 100): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.unshift(events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId && runs.length < maxRuns);
  return runs;
}

/** A run's history as plain JSON: enum names, 64-bit numbers as strings, payloads as stored (base64). */
export const exportableHistory = (events: HistoryEvent[]) =>
  temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.create({ events }), { longs: String, enums: String, bytes: String });

export const eventTypeName = (e: HistoryEvent): string => EventType[e.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? 'UNSPECIFIED';
export const eventMs = (e: HistoryEvent): number => tsToMs(e.eventTime);
export const eventIso = (e: HistoryEvent): string => new Date(eventMs(e)).toISOString();

async function firstDecoded<T>(client: Client, payloads: Parameters<typeof decodeArrayFromPayloads>[1]): Promise<T | undefined> {
  const [first] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  return first as T | undefined;
}

/** The first argument of an activity as the worker received it, decoded with the client's codec. */
export const activityInput = <T>(client: Client, e: HistoryEvent) => firstDecoded<T>(client, e.activityTaskScheduledEventAttributes?.input?.payloads);

/** The first argument of a signal as the workflow received it, decoded with the client's codec. */
export const signalInput = <T>(client: Client, e: HistoryEvent) => firstDecoded<T>(client, e.workflowExecutionSignaledEventAttributes?.input?.payloads);

export interface RecordedActivity<T> {
  activityId: string;
  type: string;
  input: T | undefined;
  /** completed: the record was written; failed: it gave up; pending: still being tried. */
  outcome: 'completed' | 'failed' | 'pending';
}

/** Every activity of these types scheduled in the runs, with its input and how it ended. */
export async function recordedActivities<T>(client: Client, runs: HistoryEvent[][], types: readonly string[]): Promise<RecordedActivity<T>[]> {
  const out: RecordedActivity<T>[] = [];
  for (const events of runs) {
    const ended = new Map<string, 'completed' | 'failed'>();
    for (const e of events) {
      const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
      if (done) ended.set(String(done.scheduledEventId), e.activityTaskCompletedEventAttributes ? 'completed' : 'failed');
    }
    for (const e of events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      const type = scheduled?.activityType?.name ?? '';
      if (!scheduled || !types.includes(type)) continue;
      out.push({ activityId: scheduled.activityId ?? '', type, input: await activityInput<T>(client, e), outcome: ended.get(String(e.eventId)) ?? 'pending' });
    }
  }
  return out;
}

export interface LocalActivityMark {
  activityType: string;
  attempt: number;
  /** A failure with a backoff: the activity is retrying after a timer. */
  failure: string | null;
}

/**
 * Local activities leave one marker each when they finish (or back off after failing); the
 * marker names the type and attempt but not the input. Its metadata is plain JSON written by
 * the SDK core, never through the payload codec.
 */
export function localActivityMarks(runs: HistoryEvent[][], types: readonly string[]): LocalActivityMark[] {
  const marks: LocalActivityMark[] = [];
  for (const e of runs.flat()) {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') continue;
    const data = marker.details?.data?.payloads?.[0]?.data;
    let meta: { activity_type?: string; activityType?: string; attempt?: number } = {};
    try {
      meta = data ? JSON.parse(Buffer.from(data).toString('utf8')) : {};
    } catch {
      // Unreadable metadata: the marker is left out rather than guessed at.
    }
    const activityType = meta.activity_type ?? meta.activityType ?? '';
    if (types.includes(activityType)) marks.push({ activityType, attempt: meta.attempt ?? 1, failure: marker.failure ? (marker.failure.message ?? 'failed') : null });
  }
  return marks;
}

export interface PendingTimer {
  timerId: string;
  startedAt: string;
  firesAt: string;
}

/** Timers started and neither fired nor cancelled; the fire time is the start plus its duration. */
export function pendingTimers(events: HistoryEvent[]): PendingTimer[] {
  const open = new Map<string, PendingTimer>();
  for (const e of events) {
    const started = e.timerStartedEventAttributes;
    if (started?.timerId) {
      open.set(started.timerId, { timerId: started.timerId, startedAt: eventIso(e), firesAt: new Date(eventMs(e) + tsToMs(started.startToFireTimeout)).toISOString() });
    }
    const closedId = e.timerFiredEventAttributes?.timerId ?? e.timerCanceledEventAttributes?.timerId;
    if (closedId) open.delete(closedId);
  }
  return [...open.values()].sort((a, b) => a.firesAt.localeCompare(b.firesAt));
}

/** Search attribute values as written by an upsert (they are plain JSON, never encrypted). */
export function upsertedAttributes(e: HistoryEvent): Record<string, unknown> {
  const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
  return Object.fromEntries(Object.entries(fields).map(([k, p]) => [k, p?.data?.length ? defaultPayloadConverter.fromPayload(p) : null]));
}
