// What one visit costs the platform, read from its workflow history (events, workflow tasks,
// activities, local activities) and from the statements its processes sent to PostgreSQL.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';

export interface HistoryCounts {
  events: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
}

/** Per-visit costs: the mean over the sampled workflows (and statements over the whole window). */
export type Costs = HistoryCounts & { statements: number | null; sampled: number };

/** Counts one workflow's history: every event, completed workflow tasks, scheduled activities and local-activity markers. */
export async function historyCounts(client: Client, workflowId: string): Promise<HistoryCounts> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    events: events.length,
    workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    // The TypeScript SDK records each local activity's result as a marker.
    localActivities: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
  };
}

const mean = (values: number[]) => (values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10 : NaN);

export function meanCounts(samples: HistoryCounts[]): HistoryCounts {
  return {
    events: mean(samples.map((s) => s.events)),
    workflowTasks: mean(samples.map((s) => s.workflowTasks)),
    activities: mean(samples.map((s) => s.activities)),
    localActivities: mean(samples.map((s) => s.localActivities)),
  };
}

/** The difference `after - before`, field by field. */
export function countsDelta(before: HistoryCounts, after: HistoryCounts): HistoryCounts {
  return {
    events: after.events - before.events,
    workflowTasks: after.workflowTasks - before.workflowTasks,
    activities: after.activities - before.activities,
    localActivities: after.localActivities - before.localActivities,
  };
}

/** Mean history counts of a few workflows (pass those whose alert arrived): a sample is enough, every visit of a run takes the same path. */
export async function sampledCounts(client: Client, workflowIds: string[], size = 3): Promise<HistoryCounts & { sampled: number }> {
  const picked = workflowIds.filter((_, i) => i % Math.max(1, Math.floor(workflowIds.length / size)) === 0).slice(0, size);
  const counts = await Promise.all(picked.map((id) => historyCounts(client, id)));
  return { ...meanCounts(counts), sampled: counts.length };
}

/** Reads the statement totals bench/preload.cjs writes for the bench's processes. */
export class StatementCounts {
  constructor(private readonly dir: string) {}

  /** NODE_OPTIONS and the directory for children started after this call. */
  static preload(dir: string): NodeJS.ProcessEnv {
    fs.mkdirSync(dir, { recursive: true });
    const counter = path.join(__dirname, 'preload.cjs');
    return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${counter}`.trim(), BENCH_STATEMENTS_DIR: dir };
  }

  /** Statements sent so far by these processes together: each is asked to write its total (SIGWINCH), then read. */
  async total(pids: number[]): Promise<number | null> {
    try {
      pids.forEach((pid) => process.kill(pid, 'SIGWINCH'));
    } catch {
      return null;
    }
    await new Promise((r) => setTimeout(r, 500));
    let sum = 0;
    for (const pid of pids) {
      try {
        sum += Number(fs.readFileSync(path.join(this.dir, String(pid)), 'utf8'));
      } catch {
        return null;
      }
    }
    return sum;
  }
}

export function scale(c: HistoryCounts, factor: number): HistoryCounts {
  return { events: c.events * factor, workflowTasks: c.workflowTasks * factor, activities: c.activities * factor, localActivities: c.localActivities * factor };
}
