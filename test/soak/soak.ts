// The soak: hundreds of fast visits and tens of fast plans on the real processes, faults on a
// schedule, users acting throughout through the API, then one table from the checker.
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { TemporalBackend } from '../../infra/temporal-backend';
import { planWorkflow } from '../../workflows/plan';
import { planWorkflowId, type PlanInput } from '../../workflows/plan-contract';
import { visitWorkflowV3 } from '../../workflows/visit';
import { visitStartOptions, visitWorkflowId } from '../../workflows/visit-contract';
import { addDays, dateStartMs, toDateString } from '../../workflows/working-days';
import { saveHistoryFixture } from '../helpers/history-fixtures';
import { planContent, planInput, review } from '../helpers/plans';
import type { Stack } from '../helpers/processes';
import { writeStartedVisitRow } from '../../api/http/visit-row';
import { requestedNow, visitInput } from '../helpers/visits';
import { check, type ActionCounts, type ActionLog, type Delivery, type SoakResult } from './check';
import { planExpectations, RECOVERY_MS, visitExpectations, type FaultWindow, type PlanRun, type VisitRun, type Window } from './model';
import { signalInput } from '../../operations/history';
import { requestSignal, type WorkflowRequest } from '../../workflows/request-contract';

export interface SoakOptions {
  minutes: number;
  visits: number;
  plans: number;
  seed: number;
  lateBoundMs: number;
  /** Where to write what the checker read, to look into a failed run. */
  dump?: string;
}

export const CI_SIZE: SoakOptions = { minutes: 3, visits: 150, plans: 15, seed: 15, lateBoundMs: 10_000 };

const DAY_MS = 24 * 60 * 60 * 1000;
const STEP_MS = 4_000;
/** Seconds-long waits, within the high-risk bounds (which cap durations from above only). */
const VISIT_POLICY = {
  checkInIntervalMs: 12_000,
  reminderBeforeMs: 2_000,
  graceMs: 2_000,
  ladder: [
    { notify: 'worker' as const, waitMs: STEP_MS, repeats: 1 },
    { notify: 'buddy' as const, waitMs: STEP_MS, repeats: 1 },
    { notify: 'manager' as const, waitMs: STEP_MS, repeats: 2 },
    { notify: 'emergency' as const, waitMs: STEP_MS, repeats: 1 },
  ],
};
const RED_FLAG_REPEAT_MS = 5_000;
/** A plan's review falls due this long after it starts; the reminders before, the overdue ladder after. */
const PLAN_TIMES = { dueInMs: 20_000, reviewReminderBeforeMs: 10_000, actionReminderBeforeMs: 5_000, managerAfterMs: 6_000, leadAfterMs: 12_000, repeatEveryMs: 6_000 };
/** A user acts this long after the alert they react to was due: longer than the model's race margin, shorter than a step. */
const REACTION_MS = 2_500;
/** Beyond the model's recovery time before the cut: a send's next retry and its hand-over. */
const CUT_MARGIN_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Deterministic choices, so a run can be repeated. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Fault {
  at: number;
  name: string;
  halts: boolean;
  killsWorker: boolean;
  run(stack: Stack): Promise<void>;
}

/** Retries what a restart may interrupt (a start, a sign-up) until it works or the run is over. */
async function persist<T>(what: () => Promise<T>, until: number): Promise<T> {
  for (;;) {
    try {
      return await what();
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(1_000);
    }
  }
}

type FaultRun = (stack: Stack, until: number, cycle: number) => Promise<void>;

/** Stops a part, keeps it down `downMs`, then starts it again (retried, as a restart may be interrupted, until the run is over). */
const restarting =
  (stop: (s: Stack, cycle: number) => Promise<unknown>, start: (s: Stack, cycle: number) => Promise<unknown>, downMs: number): FaultRun =>
  async (s, until, cycle) => {
    await stop(s, cycle);
    await sleep(downMs);
    await persist(() => start(s, cycle), until);
  };

/** A part the stack stops and starts by name (`stopPostgres`/`startPostgres`, …), restarted after `downMs`. */
const restartingPart = (part: 'Postgres' | 'Temporal' | 'TemporalPostgres', downMs: number): FaultRun =>
  restarting(
    (s) => s[`stop${part}`](),
    (s) => s[`start${part}`](),
    downMs,
  );

/** The relay refuses (421) or holds each answer `delayMs`, for `ms`. */
const relayFor =
  (fault: { down: true } | { delayMs: number }, ms: number): FaultRun =>
  async (s) => {
    const set = (on: boolean) => ('down' in fault ? s.smtp.setDown(on) : s.smtp.setDelay(on ? fault.delayMs : 0));
    set(true);
    await sleep(ms);
    set(false);
  };

/** What each killed worker wrote, for the dump. */
const killedWorkerLogs = new WeakMap<Stack, string[]>();

const killWorker = restarting(
  async (s) => {
    await s.worker.stop('SIGKILL');
    killedWorkerLogs.set(s, [...(killedWorkerLogs.get(s) ?? []), s.worker.output()]);
  },
  (s) => s.startWorker(),
  2_000,
);

/** The cluster's nodes in turn, one a cycle. */
const nodeOf = (s: Stack, cycle: number) => s.temporalNodes[cycle % s.temporalNodes.length];

const FAULTS: { offset: number; name: string; halts?: boolean; realServer?: boolean; run: FaultRun }[] = [
  { offset: 20_000, name: 'SMTP relay down (421)', run: relayFor({ down: true }, 20_000) },
  { offset: 40_000, name: 'worker SIGKILL', halts: true, run: killWorker },
  // The real server only (the dev server is one process on SQLite): one node killed (on a cluster the other carries on), its PostgreSQL restarted.
  {
    offset: 55_000,
    name: 'Temporal node SIGKILL',
    halts: true,
    realServer: true,
    run: restarting(
      (s, cycle) => nodeOf(s, cycle).stop('SIGKILL'),
      (s, cycle) => nodeOf(s, cycle).start(),
      3_000,
    ),
  },
  // Halts too: every record is a local activity in the workflow's task, and every send first writes its delivery row.
  { offset: 72_000, name: 'service PostgreSQL restarted', halts: true, run: restartingPart('Postgres', 8_000) },
  // Longer than the send lease and past a worker kill: an attempt waiting for the relay's answer keeps its claim, and the relay drops what a killed client left.
  { offset: 90_000, name: 'SMTP relay hung (70 s per message)', run: relayFor({ delayMs: 70_000 }, 8_000) },
  { offset: 100_000, name: 'worker SIGKILL', halts: true, run: killWorker },
  { offset: 117_000, name: 'Temporal restarted', halts: true, run: restartingPart('Temporal', 4_000) },
  { offset: 135_000, name: 'SMTP relay slow (3 s per message)', run: relayFor({ delayMs: 3_000 }, 15_000) },
  { offset: 150_000, name: "Temporal's PostgreSQL restarted", halts: true, realServer: true, run: restartingPart('TemporalPostgres', 6_000) },
  { offset: 160_000, name: 'worker SIGKILL', halts: true, run: killWorker },
];
/** The schedule above repeats every this long for longer runs. */
const FAULT_CYCLE_MS = 180_000;

export function faultSchedule(durationMs: number, backend: TemporalBackend): Fault[] {
  const faults: Fault[] = [];
  for (let cycle = 0; cycle * FAULT_CYCLE_MS < durationMs; cycle++) {
    for (const f of FAULTS.filter((f) => backend !== 'dev' || !f.realServer)) {
      const at = cycle * FAULT_CYCLE_MS + f.offset;
      if (at < durationMs - 20_000) faults.push({ at, name: f.name, halts: !!f.halts, killsWorker: f.run === killWorker, run: (s) => f.run(s, Date.now() + 120_000, cycle) });
    }
  }
  return faults;
}

type Scenario = 'calm' | 'missed' | 'red-flag' | 'late-check-in';

/** Alert times of the missed-deadline ladder (1-based step count), as the model plans them. */
const ladderAt = (heardAt: number, n: number) => heardAt + VISIT_POLICY.checkInIntervalMs + VISIT_POLICY.graceMs + (n - 1) * STEP_MS;

export async function runSoak(stack: Stack, options: SoakOptions, log: (line: string) => void = () => undefined): Promise<SoakResult> {
  const rand = random(options.seed);
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)];
  const durationMs = options.minutes * 60_000;
  const t0 = Date.now();
  const endAt = t0 + durationMs;
  // Users keep trying this long after the faults stop; then the run drains.
  const giveUpAt = endAt + 90_000;
  const actions: ActionLog[] = [];
  const faults: FaultWindow[] = [];
  const visits: VisitRun[] = [];
  const plans: PlanRun[] = [];
  const api = stack.apiUrl;

  /** One user action through the API, retried like a phone retries: on no answer in 20 s or a 5xx, after 1, 2, 4, then every 8 s. */
  async function act(subjectType: 'visit' | 'plan', subject: string, kind: string, path: string, headers: Record<string, string>, body: unknown = {}): Promise<ActionLog> {
    const s = Date.now();
    let status: number;
    let message = '';
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        const res = await fetch(`${api}${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(20_000),
        });
        status = res.status;
        const answer = (await res.json().catch(() => ({}))) as { error?: { message?: string }; status?: string; location?: string };
        message = answer.error?.message ?? '';
        // A request kept while no worker answered: the phone learns its verdict from where it was told to look.
        if (status === 202 && answer.status === 'pending' && answer.location) ({ status, message } = await verdictOf(answer.location, headers));
      } catch {
        status = 0;
      }
      if ((status && status < 500) || Date.now() > giveUpAt) break;
      // Backing off as a phone does, so retries do not bury a service that is slow to come back.
      await sleep(Math.min(8_000, 1_000 * 2 ** (attempts - 1)));
    }
    const entry = { subjectType, subject, kind, s, e: Date.now(), status, message, attempts, accepted: status >= 200 && status < 300 };
    actions.push(entry);
    return entry;
  }
  /** Polls a pending request until the case answers it: done is a 200, refused a 409 with its reasons. */
  async function verdictOf(location: string, headers: Record<string, string>): Promise<{ status: number; message: string }> {
    for (;;) {
      // The API or its database may be down for a while: the request is kept, so keep asking.
      const res = await fetch(`${api}${location}`, { headers, signal: AbortSignal.timeout(20_000) }).catch(() => null);
      const row = ((await res?.json().catch(() => ({}))) ?? {}) as { status?: string; message?: string | null };
      if (res?.ok && row.status === 'done') return { status: 200, message: '' };
      if (res?.ok && row.status === 'refused') return { status: 409, message: row.message ?? '' };
      if (res && !res.ok && res.status < 500) return { status: res.status, message: `GET ${location}: ${res.status}` };
      if (Date.now() > giveUpAt) return { status: 202, message: 'still pending when the run ended' };
      await sleep(1_000);
    }
  }
  /** What the model counts as done: answered 2xx, or refused as already done (an attempt that got no answer did it). */
  const took = (a: ActionLog) => a.accepted || (a.status === 409 && (a.attempts > 1 || /already acknowledged/i.test(a.message)));
  const timed = async (call: () => Promise<unknown>): Promise<Window> => {
    const s = Date.now();
    await call();
    return { s, e: Date.now() };
  };

  /** Starts a workflow straight on the worker's queue (the API refuses seconds-long policies), again if a restart cut the call short. */
  const startOnQueue = (workflowId: string, start: (where: { workflowId: string; taskQueue: string }) => Promise<unknown>) =>
    timed(() =>
      persist(
        () =>
          start({ workflowId, taskQueue: stack.taskQueue }).catch((err: unknown) => {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }),
        giveUpAt,
      ),
    );

  async function visit(startAt: number, scenario: Scenario, buddyRefused: boolean, roll: number): Promise<void> {
    await sleep(startAt - Date.now());
    const { input: planned, tag } = visitInput({ startMs: Date.now(), policy: VISIT_POLICY, etaInMs: 60 * 60_000 });
    const input = requestedNow(planned);
    // Each visit its own team, and the people in it are users of the directory with its addresses.
    const team = `soak-${tag}`;
    Object.assign(input, { team });
    input.policy.redFlagRepeatMs = RED_FLAG_REPEAT_MS;
    input.worker.email = `${input.worker.id}@users.carewatch.test`;
    input.manager.email = `${input.manager.id}@users.carewatch.test`;
    if (buddyRefused) stack.smtp.rejectRecipient(input.buddy.email);
    const worker = await persist(() => stack.as(input.worker.id, 'worker', team), giveUpAt);
    const manager = await persist(() => stack.as(input.manager.id, 'manager', team), giveUpAt);
    // Started as the API starts a visit: the workflow, then its first row (check-ins are authorised from it).
    const started = await startOnQueue(visitWorkflowId(input.visitId), (where) => stack.client.workflow.start(visitWorkflowV3, { ...where, ...visitStartOptions(input) }));
    await persist(() => writeStartedVisitRow(stack.db, input), giveUpAt);
    const run: VisitRun = {
      visitId: input.visitId,
      addresses: { worker: input.worker.email, buddy: input.buddy.email, manager: input.manager.email, emergency: input.emergencyContact.email },
      policy: { ...VISIT_POLICY, redFlagRepeatMs: RED_FLAG_REPEAT_MS, redFlagAlertsEmergency: input.policy.redFlagAlertsEmergency },
      started,
      actions: [],
    };
    visits.push(run);
    const p = `/visits/${input.visitId}`;
    const step = async (at: number, kind: VisitRun['actions'][number]['kind'], path: string, headers: Record<string, string>, body?: unknown) => {
      await sleep(at - Date.now());
      const a = await act('visit', input.visitId, kind, `${p}/${path}`, headers, body);
      if (took(a)) run.actions.push({ kind, s: a.s, e: a.e });
      return a;
    };
    /** A manager told there is nothing to take charge of yet tries again at the next alert. */
    const takeCharge = async (at: number) => {
      for (let next = at; ; next += STEP_MS) {
        const a = await step(next, 'ack', 'acknowledge', manager);
        if (took(a) || a.status !== 409 || Date.now() > endAt + 30_000) return a;
      }
    };
    const resolve = (after: ActionLog) =>
      step(after.e + REACTION_MS, 'resolve', 'resolve', manager, { outcome: 'worker-safe', rationale: 'Spoke to the worker; safe', reviewRiskAssessment: false });
    if (scenario === 'calm') {
      let last: ActionLog | undefined;
      for (const at of [4_000, 8_000, 12_000]) last = await step(Math.max(started.s + at, (last?.e ?? 0) + 1_000), 'check-in', 'check-in', worker);
      await step(last!.e + 3_000, 'check-out', 'check-out', worker);
    } else if (scenario === 'missed') {
      const ack = await takeCharge(ladderAt(started.s, 2 + Math.floor(roll * 5)) + REACTION_MS);
      await resolve(ack);
    } else if (scenario === 'late-check-in') {
      const checkIn = await step(ladderAt(started.s, 1 + Math.floor(roll * 3)) + REACTION_MS, 'check-in', 'check-in', worker);
      await step(checkIn.e + 3_000, 'check-out', 'check-out', worker);
    } else {
      await step(started.s + 4_000, 'check-in', 'check-in', worker);
      const flag = await step(started.s + 7_000, 'red-flag', 'red-flag', worker, { reason: 'Client became aggressive' });
      const ack = await takeCharge(flag.s + Math.floor(roll * 3) * RED_FLAG_REPEAT_MS + REACTION_MS);
      await resolve(ack);
    }
  }

  async function plan(startAt: number, ownerRefused: boolean, roll: number): Promise<void> {
    await sleep(startAt - Date.now());
    const now = Date.now();
    const base = planInput(now);
    const tag = base.planId.slice(0, 8);
    const team = `soak-plan-${tag}`;
    const id = (role: string) => `${role}-${tag}`;
    const email = (userId: string) => `${userId}@users.carewatch.test`;
    const contacts = {
      leadPractitioner: { id: id('lead'), email: email(id('lead')) },
      manager: { id: id('pmgr'), email: email(id('pmgr')) },
      safeguardingLead: { id: id('sglead'), email: email(id('sglead')) },
    };
    const ownerEmail = `owner-${tag}@soak.test`;
    if (ownerRefused) stack.smtp.rejectRecipient(ownerEmail);
    const today = toDateString(now);
    const dueAt = now + PLAN_TIMES.dueInMs;
    const days = (ms: number) => ms / DAY_MS;
    // Fractional days and a notify hour that lands on `dueAt`: the plan's calendar in seconds.
    const input: PlanInput = {
      ...base,
      team,
      contacts,
      firstReviewDate: today,
      content: planContent({ actions: [{ id: 'a1', description: 'Meet the bank with the adult', owner: { name: 'Sam Lee', email: ownerEmail }, dueDate: today }] }),
      policy: {
        notifyHourUtc: (dueAt - dateStartMs(today)) / (60 * 60 * 1000),
        reminderDaysBefore: [days(PLAN_TIMES.reviewReminderBeforeMs)],
        actionReminderDaysBefore: days(PLAN_TIMES.actionReminderBeforeMs),
        overdueManagerAfterDays: days(PLAN_TIMES.managerAfterMs),
        overdueLeadAfterDays: days(PLAN_TIMES.leadAfterMs),
        overdueRepeatEveryDays: days(PLAN_TIMES.repeatEveryMs),
      },
      indexed: false,
    };
    const practitioner = await persist(() => stack.as(contacts.leadPractitioner.id, 'practitioner', team), giveUpAt);
    const manager = await persist(() => stack.as(contacts.manager.id, 'manager', team), giveUpAt);
    await startOnQueue(planWorkflowId(input.planId), (where) => stack.client.workflow.start(planWorkflow, { ...where, args: [input] }));
    const run: PlanRun = {
      planId: input.planId,
      addresses: { lead: contacts.leadPractitioner.email, manager: contacts.manager.email, safeguardingLead: contacts.safeguardingLead.email, actionOwner: ownerEmail },
      times: { ...PLAN_TIMES, dueAt },
    };
    plans.push(run);
    const p = `/plans/${input.planId}`;
    const step = async (at: number, kind: string, path: string, headers: Record<string, string>, body?: unknown) => {
      await sleep(at - Date.now());
      const a = await act('plan', input.planId, kind, `${p}/${path}`, headers, body);
      return took(a) ? { s: a.s, e: a.e } : undefined;
    };
    run.wentLive = await step(now + 1_000, 'go-live', 'go-live', manager);
    if (!run.wentLive) return;
    run.actionCompleted = await step(dueAt - PLAN_TIMES.actionReminderBeforeMs + REACTION_MS, 'complete-action', 'actions/a1/complete', practitioner, { note: 'Met the bank' });
    const escalations = 1 + Math.floor(roll * 3);
    const reviewAt = dueAt + (escalations === 1 ? PLAN_TIMES.managerAfterMs : PLAN_TIMES.leadAfterMs + (escalations - 2) * PLAN_TIMES.repeatEveryMs);
    run.reviewed = await step(reviewAt + REACTION_MS, 'review', 'reviews', practitioner, { ...review('continue_unchanged', today), nextReviewDate: addDays(today, 60) });
  }

  async function injectFaults(): Promise<void> {
    for (const fault of faultSchedule(durationMs, stack.temporalBackend)) {
      await sleep(t0 + fault.at - Date.now());
      const s = Date.now();
      log(`${new Date(s).toISOString().slice(11, 19)} ${fault.name}`);
      try {
        await fault.run(stack);
      } finally {
        faults.push({ name: fault.name, halts: fault.halts, killsWorker: fault.killsWorker, s, e: Date.now() });
      }
    }
  }

  const scenarios: Scenario[] = ['calm', 'calm', 'missed', 'missed', 'red-flag', 'late-check-in'];
  // New visits stop early enough that each script ends before the drain.
  const visitSpan = Math.max(1, durationMs - 50_000);
  const planSpan = Math.max(1, durationMs - 70_000);
  const scripts = [
    ...Array.from({ length: options.visits }, (_, i) => visit(t0 + (i * visitSpan) / options.visits, pick(scenarios), rand() < 0.1, rand())),
    ...Array.from({ length: options.plans }, (_, i) => plan(t0 + (i * planSpan) / options.plans, rand() < 0.25, rand())),
  ];
  const settled = await Promise.allSettled([injectFaults(), ...scripts]);
  const broken = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (broken.length) throw new Error(`${broken.length} script(s) failed: ${String(broken[0].reason)}`);
  // Cut only once the service has had its time to recover from the last fault: a cut during
  // it would terminate sends still retrying, which the model then cannot count as owed.
  await sleep(Math.max(0, ...faults.map((f) => f.e)) + RECOVERY_MS + CUT_MARGIN_MS - Date.now());
  const cutAt = Date.now();
  log(`${new Date().toISOString().slice(11, 19)} all scripts done; whatever nobody stopped is terminated; draining`);
  // A visit or plan nobody managed to stop would escalate for ever: end them all, so what is owed ends here too.
  const workflowIds = [...visits.map((v) => visitWorkflowId(v.visitId)), ...plans.map((p) => planWorkflowId(p.planId))];
  for (const id of workflowIds) {
    await persist(
      () =>
        stack.client.workflow
          .getHandle(id)
          .terminate('soak over')
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }),
      Date.now() + 60_000,
    );
  }
  const cut = { s: cutAt, e: Date.now() };
  await drain(stack);

  const deliveries: Delivery[] = await stack.db.notificationDelivery.findMany({
    select: { id: true, template: true, recipient: true, status: true, lastError: true, subjectType: true, subjectId: true },
  });
  const expectations = [...visits.flatMap((v) => visitExpectations(v, faults, cut)), ...plans.flatMap((p) => planExpectations(p, faults, cut))];
  if (options.dump) {
    fs.writeFileSync(`${options.dump}.worker.log`, [...(killedWorkerLogs.get(stack) ?? []), stack.worker.output()].join('\n'));
    fs.writeFileSync(`${options.dump}.api.log`, stack.api.output());
  }
  if (options.dump)
    fs.writeFileSync(
      options.dump,
      JSON.stringify(
        {
          t0,
          cutAt,
          faults,
          visits,
          plans,
          actions,
          expectations,
          deliveries,
          events: await stack.db.visitEvent.findMany({ select: { visitId: true, seq: true, type: true, at: true, reason: true, data: true } }),
          received: stack.smtp.messages.map(({ text: _text, html: _html, ...m }) => m),
        },
        null,
        1,
      ),
    );
  return check({
    expectations,
    received: stack.smtp.messages,
    deliveries,
    refused: stack.smtp.refused,
    faults,
    actions,
    inHistory: await historyCounts(stack, workflowIds, log, options.dump),
    inDatabase: await databaseCounts(stack),
    lateBoundMs: options.lateBoundMs,
    stallMs: 60_000,
  });
}

/** Waits until no message has arrived for a while (a hung relay's messages included), at most a few minutes. */
async function drain(stack: Stack): Promise<void> {
  const until = Date.now() + 180_000;
  let seen = -1;
  let quietSince = Date.now();
  while (Date.now() < until) {
    if (stack.smtp.messages.length !== seen) [seen, quietSince] = [stack.smtp.messages.length, Date.now()];
    if (Date.now() - quietSince > 15_000) return;
    await sleep(1_000);
  }
}

/** History names (updates, signals, or the update a request stands for) and the action each stands for. */
const HISTORY_NAMES: [RegExp, string][] = [
  [/^checkin/i, 'check-in'],
  [/^checkout/i, 'check-out'],
  [/redflag/i, 'red-flag'],
  [/acknowledge|takecharge/i, 'ack'],
  [/^resolve/i, 'resolve'],
  [/^golive/i, 'go-live'],
  [/^completeaction/i, 'complete-action'],
  [/^recordreview/i, 'review'],
];

/**
 * Updates accepted, signals and requests received by each workflow, over every run of it (continue-as-new);
 * a workflow task that failed (not one that timed out with a killed worker) is logged with its cause.
 */
async function historyCounts(stack: Stack, workflowIds: string[], log: (line: string) => void, dump?: string): Promise<ActionCounts> {
  const counts: ActionCounts = new Map();
  for (const workflowId of workflowIds) {
    const subject = workflowId.replace(/^(visit|plan)-/, '');
    const kinds = new Map<string, number>();
    counts.set(subject, kinds);
    let runId: string | undefined;
    do {
      const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
      runId = undefined;
      for (const event of history.events ?? []) {
        runId ||= event.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
        const failed = event.workflowTaskFailedEventAttributes?.failure?.message;
        if (failed) {
          log(`${workflowId}: workflow task failed: ${failed.slice(0, 300)}`);
          // The history itself, decrypted, to replay (`loadHistoryFixture`, `replay`) and see where replay parts from the first run.
          if (dump) await saveHistoryFixture(`${path.basename(dump)}.${workflowId}.history.json`, workflowId, history, path.dirname(dump));
        }
        const signal = event.workflowExecutionSignaledEventAttributes?.signalName;
        // A request names the update it stands for inside its input.
        const requested = signal === requestSignal.name ? (await signalInput<WorkflowRequest>(stack.client, event))?.name : undefined;
        const name = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? requested ?? signal;
        const kind = name && HISTORY_NAMES.find(([re]) => re.test(name))?.[1];
        if (kind) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
    } while (runId);
  }
  return counts;
}

const DB_TYPES: Record<string, string> = {
  'checked-in': 'check-in',
  'checked-out': 'check-out',
  'red-flag-raised': 'red-flag',
  acknowledged: 'ack',
  'incident-resolved': 'resolve',
  went_live: 'go-live',
  action_completed: 'complete-action',
  review_recorded: 'review',
};

/** The same actions as the service recorded them: visit events and plan events. */
async function databaseCounts(stack: Stack): Promise<ActionCounts> {
  const types = Object.keys(DB_TYPES);
  const rows = [
    ...(await stack.db.visitEvent.groupBy({ by: ['visitId', 'type'], where: { type: { in: types } }, _count: true })).map((r) => ({
      subject: r.visitId,
      type: r.type,
      n: r._count,
    })),
    ...(await stack.db.planEvent.groupBy({ by: ['planId', 'type'], where: { type: { in: types } }, _count: true })).map((r) => ({ subject: r.planId, type: r.type, n: r._count })),
  ];
  const counts: ActionCounts = new Map();
  for (const r of rows) {
    const kinds = counts.get(r.subject) ?? new Map<string, number>();
    kinds.set(DB_TYPES[r.type], (kinds.get(DB_TYPES[r.type]) ?? 0) + r.n);
    counts.set(r.subject, kinds);
  }
  return counts;
}
