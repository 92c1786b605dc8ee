import { Router } from 'express';
import { Gauge, Registry, Summary } from 'prom-client';
import { z } from 'zod';
import type { Db } from '../../lib/db';
import type { AppDeps } from '../deps';
import { documentPaths } from '../openapi/paths';

documentPaths('operations')('get', '/metrics', 'Prometheus metrics: the worker SDK metrics relayed, plus open visits, escalations, alert timings and reviews', {
  ok: z.string(),
  okType: 'text/plain',
  errors: [],
});

/** Alert timings are summarised over this window, so an old incident stops weighing on the percentiles. */
const TIMING_WINDOW_DAYS = 30;
/** BS 8484 judges alarm handling at these percentiles. */
const PERCENTILES = [0.8, 0.985];

interface AlertTiming {
  to_first_alert: number | null;
  to_acknowledge: number | null;
}

/**
 * Per alert episode of a visit (a missed deadline): seconds from the deadline the worker
 * missed (the ETA, or the check-in due time recorded on the row) to the first alert, and
 * from that alert to the first acknowledgement.
 */
function alertTimings(db: Db): Promise<AlertTiming[]> {
  return db.$queryRaw<AlertTiming[]>`
    WITH first_alert AS (
      SELECT e."visitId", MIN(e."at") AS at FROM "VisitEvent" e
      WHERE e."type" = 'alert-sent' AND e."reason" = 'missed-deadline' AND e."at" > now() - make_interval(days => ${TIMING_WINDOW_DAYS})
      GROUP BY e."visitId"),
    first_ack AS (
      SELECT a."visitId", MIN(a."at") AS at FROM "VisitEvent" a JOIN first_alert f ON f."visitId" = a."visitId"
      WHERE a."type" = 'acknowledged' AND a."at" >= f.at GROUP BY a."visitId")
    SELECT EXTRACT(EPOCH FROM f.at - LEAST(v."eta", COALESCE(v."nextDueAt", v."eta")))::float8 AS to_first_alert,
           EXTRACT(EPOCH FROM k.at - f.at)::float8 AS to_acknowledge
    FROM first_alert f JOIN "Visit" v ON v."id" = f."visitId" LEFT JOIN first_ack k ON k."visitId" = f."visitId"`;
}

interface Overdue {
  n: number;
  oldest_seconds: number;
}

/** How long an undelivered message counts: longer, and its send has been given up and recorded on the visit or plan. */
const UNSENT_WINDOW_HOURS = 24;

/**
 * Alarms the service is late with, now: visits whose row says an alarm (the first alert, or
 * the ladder's next send) was owed at a time that has passed, and no newer decision has
 * been recorded since. Each send writes its decision before it goes, so this counts alarms
 * not yet attempted: a worker down or stuck, or more due at once than the machine can send.
 */
function overdueAlarms(db: Db): Promise<Overdue[]> {
  return db.$queryRaw<Overdue[]>`
    SELECT COUNT(*)::int AS n, COALESCE(MAX(EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - "nextAlarmAt")), 0)::float8 AS oldest_seconds
    FROM "Visit" WHERE "nextAlarmAt" < (now() AT TIME ZONE 'UTC')`;
}

/** Messages attempted and not delivered yet (failing, or a send still running), from the last day. */
function unsentMessages(db: Db): Promise<Overdue[]> {
  return db.$queryRaw<Overdue[]>`
    SELECT COUNT(*)::int AS n, COALESCE(MAX(EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - "createdAt")), 0)::float8 AS oldest_seconds
    FROM "NotificationDelivery"
    WHERE "status" IN ('pending', 'sending', 'failed') AND "createdAt" > (now() AT TIME ZONE 'UTC') - make_interval(hours => ${UNSENT_WINDOW_HOURS})`;
}

/** The registry, and what to read before each scrape that more than one metric shares. */
function domainRegistry(db: Db): { registry: Registry; refresh(): Promise<void> } {
  const registry = new Registry();
  new Gauge({
    name: 'carewatch_visits_open',
    help: 'Visits not yet closed, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.visit.groupBy({ by: ['status'], where: { status: { not: 'closed' } }, _count: { _all: true } });
      for (const row of rows) this.set({ status: row.status }, row._count._all);
    },
  });
  new Gauge({
    name: 'carewatch_visit_escalations',
    help: 'Alerts sent by ladder step and reason, since the start of the record',
    labelNames: ['step', 'reason'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.$queryRaw<Array<{ step: string; reason: string; n: number }>>`
        SELECT COALESCE("data"->>'step', '0') AS step, COALESCE("reason", 'unknown') AS reason, COUNT(*)::int AS n
        FROM "VisitEvent" WHERE "type" = 'alert-sent' GROUP BY 1, 2`;
      for (const row of rows) this.set({ step: row.step, reason: row.reason }, row.n);
    },
  });
  const timings = { rows: [] as AlertTiming[] };
  const late = { alarms: { n: 0, oldest_seconds: 0 }, messages: { n: 0, oldest_seconds: 0 } };
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  gauge('carewatch_visit_alarms_overdue', 'Visits whose next alarm (first alert or next ladder send) is past its time and not yet sent', () => late.alarms.n);
  gauge('carewatch_visit_alarm_overdue_seconds', 'How far past its time the most overdue visit alarm is; 0 when none is', () => late.alarms.oldest_seconds);
  gauge('carewatch_notifications_unsent', `Messages attempted in the last ${UNSENT_WINDOW_HOURS} h and not delivered yet (failing or still sending)`, () => late.messages.n);
  gauge('carewatch_notification_unsent_seconds', 'Age of the oldest of those messages; 0 when none', () => late.messages.oldest_seconds);
  const summary = (name: string, help: string, pick: (t: AlertTiming) => number | null) =>
    new Summary({
      name,
      help,
      percentiles: PERCENTILES,
      registers: [registry],
      collect() {
        this.reset();
        for (const row of timings.rows) {
          const value = pick(row);
          if (value !== null) this.observe(Math.max(0, value));
        }
      },
    });
  summary('carewatch_visit_deadline_to_first_alert_seconds', `Seconds from a missed deadline to the first alert (last ${TIMING_WINDOW_DAYS} days)`, (t) => t.to_first_alert);
  summary('carewatch_visit_time_to_acknowledge_seconds', `Seconds from the first alert to its acknowledgement (last ${TIMING_WINDOW_DAYS} days)`, (t) => t.to_acknowledge);
  new Gauge({
    name: 'carewatch_plan_reviews',
    help: 'Live plans whose review is due within 7 days (due) or past its date (overdue)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const today = new Date().toISOString().slice(0, 10);
      const inAWeek = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      const [due, overdue] = await Promise.all([
        db.plan.count({ where: { status: 'live', nextReviewDate: { gte: today, lte: inAWeek } } }),
        db.plan.count({ where: { status: 'live', nextReviewDate: { lt: today } } }),
      ]);
      this.set({ state: 'due' }, due);
      this.set({ state: 'overdue' }, overdue);
    },
  });
  return {
    registry,
    async refresh() {
      const [rows, [alarms], [messages]] = await Promise.all([alertTimings(db), overdueAlarms(db), unsentMessages(db)]);
      timings.rows = rows;
      Object.assign(late, { alarms, messages });
    },
  };
}

/** The worker's SDK metrics as its Prometheus exporter serves them; a down worker shows as a figure, not an error. */
async function workerMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return `${(await res.text()).trimEnd()}\n# HELP carewatch_worker_metrics_up Whether the worker's metrics answered\n# TYPE carewatch_worker_metrics_up gauge\ncarewatch_worker_metrics_up 1\n`;
  } catch {
    return "# HELP carewatch_worker_metrics_up Whether the worker's metrics answered\n# TYPE carewatch_worker_metrics_up gauge\ncarewatch_worker_metrics_up 0\n";
  }
}

/** `/metrics` for Prometheus: domain figures read from the database at scrape time, plus the worker's. */
export function metricsRoutes(deps: AppDeps): Router {
  const { registry, refresh } = domainRegistry(deps.db);
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    await refresh();
    const [domain, worker] = await Promise.all([registry.metrics(), workerMetrics(deps.config.WORKER_METRICS_URL)]);
    res.type(registry.contentType).send(`${domain}\n${worker}`);
  });
  return router;
}
