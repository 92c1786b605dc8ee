// Check-ins through the API over HTTP at a fixed rate, each by the visit's own worker with a
// real bearer token, as the app on a phone would send them.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { Pool } from 'undici';
import { issueToken } from '../api/http/credentials';
import { writeStartedVisitRow } from '../api/http/visit-row';
import type { Db } from '../lib/db';
import { visitWorkflowV3 } from '../workflows/visit';
import { visitStartOptions } from '../workflows/visit-contract';
import type { VisitPolicy } from '../workflows/visit-policy';
import { baselineCheckInSignal, baselineWorkflow } from './baseline-workflow';
import { benchVisit } from './policy';
import { forEachLimited, percentile } from './pool';
import { BASELINE_TASK_QUEUE, TASK_QUEUE } from './stack';

export interface CheckInFigures {
  rate: number;
  seconds: number;
  sent: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests sent later than their slot because the client fell behind (should be 0). */
  lateStarts: number;
}

const HOUR = 3_600_000;
const REQUEST_TIMEOUT_MS = 15_000;

interface Walker {
  visitId: string;
  authorization: string;
}

/** Workers with tokens, each on an open visit whose deadline is hours away. */
export async function openVisitsWithTokens(db: Db, client: Client, count: number, policy: VisitPolicy): Promise<Walker[]> {
  await db.team.upsert({ where: { id: 'bench' }, create: { id: 'bench', name: 'Bench team' }, update: {} });
  const walkers: Walker[] = [];
  await forEachLimited(
    Array.from({ length: count }, (_, i) => i),
    16,
    async (i) => {
      const visitId = randomUUID();
      const workerId = `bench-walker-${i}-${visitId.slice(0, 8)}`;
      const worker = { id: workerId, name: `Walker ${i}`, email: `${workerId}@bench.example` };
      await db.user.create({ data: { ...worker, role: 'worker', teamId: 'bench' } });
      const { token } = await issueToken(db, workerId, { kind: 'api', name: 'bench' });
      const input = benchVisit(visitId, Date.now() + 3 * HOUR, policy, worker);
      await client.workflow.start(visitWorkflowV3, { ...visitStartOptions(input), taskQueue: TASK_QUEUE });
      // As the API's start does: check-ins are authorised from the row.
      await writeStartedVisitRow(db, input);
      walkers.push({ visitId, authorization: `Bearer ${token}` });
    },
  );
  return walkers;
}

/** Bare signals to baseline workflows due hours away: what a check-in costs with nothing of ours around the signal. */
export async function startBareSignalTargets(client: Client, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `baseline-checkin-${randomUUID()}`);
  await forEachLimited(ids, 16, async (workflowId) => {
    await client.workflow.start(baselineWorkflow, {
      workflowId,
      taskQueue: BASELINE_TASK_QUEUE,
      args: [{ to: `${workflowId}@bench.example`, dueAtMs: Date.now() + 3 * HOUR, data: {} }],
    });
  });
  return ids;
}

/** Sends `rate` requests per second for `seconds`, each on its own schedule slot (open loop); `send` says whether the request was accepted. */
async function openLoop(rate: number, seconds: number, send: (i: number) => Promise<boolean>): Promise<CheckInFigures> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let lateStarts = 0;
  const started = performance.now() + 200;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const slot = started + (i * 1000) / rate;
    const wait = slot - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -10) lateStarts++;
    inFlight.push(
      (async () => {
        const sentAt = performance.now();
        if (!(await send(i).catch(() => false))) errors++;
        // Latency from the slot, not the send: a client falling behind must not hide delay.
        latencies.push(performance.now() - Math.min(sentAt, slot));
      })(),
    );
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    rate,
    seconds,
    sent: total,
    errors,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1]),
    lateStarts,
  };
}

/** Check-ins through the API at `rate` per second for `seconds`, walkers in turn. */
export async function checkInTraffic(apiUrl: string, walkers: Walker[], rate: number, seconds: number): Promise<CheckInFigures> {
  // A check-in that takes longer than this counts as an error: the phone app would give up too.
  const pool = new Pool(apiUrl, { connections: 128, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  try {
    return await openLoop(rate, seconds, async (i) => {
      const walker = walkers[i % walkers.length];
      const res = await pool.request({
        method: 'POST',
        path: `/visits/${walker.visitId}/check-in`,
        headers: { authorization: walker.authorization, 'content-type': 'application/json' },
        body: '{}',
      });
      await res.body.dump();
      return res.statusCode === 202;
    });
  } finally {
    await pool.close();
  }
}

/** The same traffic as bare signals from the bench's own client. */
export async function bareSignalTraffic(client: Client, workflowIds: string[], rate: number, seconds: number): Promise<CheckInFigures> {
  return openLoop(rate, seconds, async (i) => {
    await client.workflow.getHandle(workflowIds[i % workflowIds.length]).signal(baselineCheckInSignal, Date.now() + 3 * HOUR);
    return true;
  });
}
