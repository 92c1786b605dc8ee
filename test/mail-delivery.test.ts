import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createNotificationActivities, PERMANENT_DELIVERY_FAILURE } from '../activities/notifications';
import type { Db } from '../lib/db';
import { createEmailChannel, type NotificationChannel } from '../lib/mailer';
import { scheduledNoticeWorkflow, scheduledNoticeWorkflowId } from '../workflows/scheduled-notice';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink';
import { PUBLIC_URL, testDb, timeSkippingSuite } from './helpers/temporal';

const FROM = 'CareWatch <no-reply@carewatch.test>';

describe('Sending mail: one pooled connection, its own timeouts, a lease no retry can steal, 5xx told apart from 4xx (PostgreSQL, SMTP)', () => {
  let db: Db;
  let smtp: SmtpSink;
  const channels: NotificationChannel[] = [];
  beforeAll(async () => {
    db = testDb();
    smtp = await startSmtpSink();
  });
  afterAll(async () => {
    channels.forEach((c) => c.close());
    await smtp.close();
    await db.$disconnect();
  });

  const channel = (options?: Parameters<typeof createEmailChannel>[2], url = smtp.url) => {
    const made = createEmailChannel(url, FROM, options);
    channels.push(made);
    return made;
  };
  const notice = (to = 'lead@example.org') => {
    const subjectId = randomUUID();
    return { idempotencyKey: `notice-${subjectId}:notice`, to, template: 'scheduled-notice', data: { title: `Notice ${subjectId}`, body: 'x' }, subjectType: 'notice', subjectId };
  };
  const received = (request: ReturnType<typeof notice>) => smtp.messages.filter((m) => m.subject === request.data.title);
  const deliveryOf = (request: ReturnType<typeof notice>) => db.notificationDelivery.findUniqueOrThrow({ where: { idempotencyKey: request.idempotencyKey } });

  it('When three messages go out one after another, then they share one SMTP connection', async () => {
    const { deliverNotification } = createNotificationActivities({ db, channel: channel(), publicUrl: PUBLIC_URL });
    const before = smtp.connections;
    for (let i = 0; i < 3; i++) await deliverNotification(notice());
    expect(smtp.connections - before).toBe(1);
  });

  it('When the relay accepts the connection but never greets, then the send fails within the configured greeting timeout', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const mute = channel({ greetingTimeoutMs: 500 }, `smtp://127.0.0.1:${(silent.address() as net.AddressInfo).port}`);
      const started = Date.now();
      await expect(mute.send({ to: 'a@example.org', subject: 's', text: 't', html: 'h', messageId: `<${randomUUID()}@carewatch>` })).rejects.toThrow(/greeting/i);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });

  it('When the relay hangs past the lease, then the attempt keeps its claim (renewed, with heartbeats), a retry is turned away and one message arrives', async () => {
    const { deliverNotification } = createNotificationActivities({ db, channel: channel({ socketTimeoutMs: 30_000 }), publicUrl: PUBLIC_URL, sendLeaseMs: 900 });
    const request = notice();
    const attempt = new MockActivityEnvironment({ attempt: 1 });
    let heartbeats = 0;
    attempt.on('heartbeat', () => heartbeats++);
    smtp.holdNextData(4_000);
    const first = attempt.run(deliverNotification, request);
    // Two leases without a renewal: a retry would have taken the send over and sent it again.
    await new Promise((r) => setTimeout(r, 2_000));
    const retry = await deliverNotification(request).catch((err: unknown) => err);
    expect(retry).toBeInstanceOf(ApplicationFailure);
    expect(retry).toMatchObject({ type: 'DeliveryInProgress', nonRetryable: false });
    await expect(first).resolves.toMatchObject({ status: 'sent' });
    await expect(deliverNotification(request)).resolves.toMatchObject({ status: 'already-sent' });
    expect(heartbeats).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(received(request)).toHaveLength(1);
    await expect(deliveryOf(request)).resolves.toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('When the relay hangs longer than the socket timeout, then the attempt gives up itself, the relay never takes that copy and the retry sends one', async () => {
    const { deliverNotification } = createNotificationActivities({ db, channel: channel({ socketTimeoutMs: 1_000 }), publicUrl: PUBLIC_URL });
    const request = notice();
    smtp.holdNextData(3_000);
    const started = Date.now();
    const failed = await deliverNotification(request).catch((err: unknown) => err);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(failed).not.toBeInstanceOf(ApplicationFailure);
    await expect(deliveryOf(request)).resolves.toMatchObject({ status: 'failed' });
    await expect(deliverNotification(request)).resolves.toMatchObject({ status: 'sent' });
    // Past the hung session's hold: it was closed before the relay answered.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(received(request)).toHaveLength(1);
    await expect(deliveryOf(request)).resolves.toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('When the database is away just as the relay takes the message, then the attempt records it sent once the database answers (heartbeating meanwhile) and no retry sends it again', async () => {
    let refusals = 2;
    // The service's PostgreSQL restarting between the relay's 250 and the row's "sent" (one statement with its audit entry).
    const markSent = (sql: TemplateStringsArray) => Array.isArray(sql) && sql.join('?').includes(`UPDATE "NotificationDelivery" SET "status" = 'sent'`);
    const flaky = new Proxy(db, {
      get: (target, key) =>
        key === '$executeRaw'
          ? (sql: TemplateStringsArray, ...values: unknown[]) =>
              markSent(sql) && refusals-- > 0 ? Promise.reject(new Error('Connection terminated')) : target.$executeRaw(sql, ...values)
          : Reflect.get(target, key),
    });
    const { deliverNotification } = createNotificationActivities({ db: flaky, channel: channel(), publicUrl: PUBLIC_URL });
    const request = notice();
    const attempt = new MockActivityEnvironment({ attempt: 1 });
    let heartbeats = 0;
    attempt.on('heartbeat', () => heartbeats++);
    await expect(attempt.run(deliverNotification, request)).resolves.toMatchObject({ status: 'sent' });
    expect(refusals).toBeLessThan(0);
    expect(heartbeats).toBeGreaterThanOrEqual(2);
    const row = await deliveryOf(request);
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    await expect(deliverNotification(request)).resolves.toMatchObject({ status: 'already-sent' });
    expect(received(request)).toHaveLength(1);
    // The refused writes took their audit entry with them; the one that landed wrote it once.
    await expect(db.auditEntry.count({ where: { key: `notification:${row.id}`, action: 'notification.sent' } })).resolves.toBe(1);
  });

  it('When the relay answers 550 for the address, then the failure is non-retryable (PermanentDeliveryFailure), recorded on the row and audited, and never retried', async () => {
    const { deliverNotification } = createNotificationActivities({ db, channel: channel(), publicUrl: PUBLIC_URL });
    const address = `nobody-${randomUUID()}@example.org`;
    smtp.rejectRecipient(address, 550);
    const request = notice(address);
    const failure = await deliverNotification(request).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: PERMANENT_DELIVERY_FAILURE, nonRetryable: true, message: expect.stringContaining('550') });
    // The message Temporal keeps in plain text does not carry the address; the row does.
    expect((failure as Error).message).not.toContain(address);
    const row = await deliveryOf(request);
    expect(row).toMatchObject({ status: 'rejected', attempts: 1, lastError: expect.stringContaining('550') });
    await expect(db.auditEntry.findMany({ where: { key: `notification-rejected:${row.id}` } })).resolves.toMatchObject([
      { action: 'notification.rejected', targetId: request.subjectId },
    ]);
    await expect(deliverNotification(request)).rejects.toMatchObject({ type: PERMANENT_DELIVERY_FAILURE, nonRetryable: true });
    await expect(deliveryOf(request)).resolves.toMatchObject({ status: 'rejected', attempts: 1 });
  });

  it('When the relay answers 421 (unavailable for now), then the failure stays retryable and the next attempt sends', async () => {
    const { deliverNotification } = createNotificationActivities({ db, channel: channel(), publicUrl: PUBLIC_URL });
    const request = notice();
    smtp.setDown(true);
    try {
      const failure = await deliverNotification(request).catch((err: unknown) => err);
      expect(failure).toMatchObject({ responseCode: 421 });
      expect(failure).not.toBeInstanceOf(ApplicationFailure);
      await expect(deliveryOf(request)).resolves.toMatchObject({ status: 'failed', lastError: expect.stringContaining('421') });
    } finally {
      smtp.setDown(false);
    }
    await expect(deliverNotification(request)).resolves.toMatchObject({ status: 'sent' });
    expect(received(request)).toHaveLength(1);
  });
});

describe('A permanent refusal through a real worker (time-skipping server)', () => {
  const suite = timeSkippingSuite();

  it('When a notice goes to an address the relay refuses with 550, then the workflow fails at once with PermanentDeliveryFailure after one attempt', async () => {
    const { env, harness } = suite;
    const noticeId = randomUUID();
    const to = `nobody-${noticeId}@example.org`;
    harness.smtp.rejectRecipient(to);
    const outcome = await env.client.workflow
      .execute(scheduledNoticeWorkflow, {
        workflowId: scheduledNoticeWorkflowId(noticeId),
        taskQueue: harness.taskQueue,
        args: [{ noticeId, sendAt: new Date().toISOString(), to, title: 'Refused', body: 'x' }],
      })
      .catch((err: unknown) => err);
    expect(outcome).toMatchObject({ cause: { cause: { type: PERMANENT_DELIVERY_FAILURE, nonRetryable: true } } });
    await expect(harness.db.notificationDelivery.findMany({ where: { subjectType: 'notice', subjectId: noticeId } })).resolves.toMatchObject([{ status: 'rejected', attempts: 1 }]);
  });
});
