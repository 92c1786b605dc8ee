import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { renderMessage } from '../activities/messages';
import { setTeam } from '../api/http/accounts';
import { ackTakenPage } from '../api/routes/pages';
import { DEFAULT_TIME_ZONE, localTime, subjectTimeZone } from '../lib/time-zone';
import { as, startApi, type ApiHarness } from './helpers/api';
import { PUBLIC_URL } from './helpers/temporal';
import { startBody } from './helpers/visits';

// Issue 16: everyone reads times on their team's clock with the zone named, never bare UTC.
// The clocks change in the UK at 01:00 UTC on the last Sundays of March and October 2026.
const SPRING = { before: '2026-03-29T00:30:00Z', after: '2026-03-29T01:30:00Z' };
const AUTUMN = { before: '2026-10-25T00:30:00Z', after: '2026-10-25T01:30:00Z' };

describe('Times in messages and pages, across a BST change', () => {
  const reminder = (dueAt: string, timeZone?: string, nowMs = Date.parse(dueAt)) =>
    renderMessage('visit-reminder', { dueKind: 'check-in', dueAt }, { publicUrl: PUBLIC_URL, timeZone, nowMs }).subject;

  it('When a check-in falls either side of the March and October changes, then the reminder names the UK time and zone', () => {
    expect(reminder(SPRING.before, 'Europe/London')).toBe('Check-in due at 00:30 GMT');
    expect(reminder(SPRING.after, 'Europe/London')).toBe('Check-in due at 02:30 BST');
    // October's 01:30 happens twice: only the zone tells the two apart.
    expect(reminder(AUTUMN.before, 'Europe/London')).toBe('Check-in due at 01:30 BST');
    expect(reminder(AUTUMN.after, 'Europe/London')).toBe('Check-in due at 01:30 GMT');
    // A team without a zone of its own reads London time.
    expect(reminder(SPRING.after)).toBe('Check-in due at 02:30 BST');
    expect(reminder(AUTUMN.before, 'Europe/Paris')).toBe('Check-in due at 02:30 CEST');
  });

  it("When the time is on another day than the reader's, then the message names the day too", () => {
    const dayBefore = Date.parse('2026-03-28T12:00:00Z');
    expect(reminder(SPRING.after, 'Europe/London', dayBefore)).toBe('Check-in due at 02:30 BST on Sun 29 Mar 2026');
    const alert = renderMessage(
      'visit-alert',
      {
        workerName: 'Wendy',
        kind: 'home',
        clientRef: 'C-1',
        riskLevel: 'high',
        location: 'Flat 3',
        dueAt: AUTUMN.after,
        eta: AUTUMN.after,
        startedAt: AUTUMN.before,
        lastCheckInAt: null,
        step: 2,
        repeat: 1,
        recipientRole: 'manager',
      },
      { publicUrl: PUBLIC_URL, timeZone: 'Europe/London', nowMs: Date.parse(AUTUMN.after) },
    );
    expect(alert.text).toContain('was due to check in by 01:30 GMT and has not');
    expect(alert.text).toContain('Started: 01:30 BST. Last check-in: not yet. Expected end (ETA): 01:30 GMT.');
    expect(alert.html).toContain('01:30 GMT');
  });

  it('When someone has taken charge, then the link page says when on the team clock', () => {
    const page = (at: string) => ackTakenPage({ name: 'Mina', role: 'manager', at }, true, 'Europe/London');
    expect(page(AUTUMN.before)).toMatch(/took charge at <time datetime="2026-10-25T00:30:00Z">01:30 BST( on Sun 25 Oct 2026)?<\/time>/);
    expect(page(AUTUMN.after)).toMatch(/took charge at <time datetime="2026-10-25T01:30:00Z">01:30 GMT( on Sun 25 Oct 2026)?<\/time>/);
    expect(localTime(SPRING.after, 'Europe/London', Date.parse(SPRING.before))).toBe('02:30 BST');
  });

  describe('through the worker and the SMTP server', () => {
    let api: ApiHarness;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(() => api?.close());

    it("When a team keeps New York time, then its visit's alert shows New York times with the zone", async () => {
      const tag = randomUUID().slice(0, 8);
      const team = `ny-${tag}`;
      const worker = await as(`worker-${tag}`, 'worker', team, { name: 'Wendy Worker', email: `worker-${tag}@example.org` });
      await as(`manager-${tag}`, 'manager', team, { email: `manager-${tag}@example.org` });
      await setTeam(api.harness.db, { id: team, timeZone: 'America/New_York' });
      const started = await request(api.app).post('/visits').set(worker).send(startBody(tag)).expect(201);
      await request(api.app).post(`/visits/${started.body.visitId}/red-flag`).set(worker).send({}).expect(202);
      const [mail] = await api.harness.smtp.waitFor(1, (m) => m.to.includes(`manager-${tag}@example.org`) && m.subject.startsWith('RED FLAG'));
      const eta = localTime(started.body.eta, 'America/New_York');
      expect(eta).toMatch(/^\d\d:\d\d (EST|GMT-5)/);
      expect(mail.text).toContain(`Expected end (ETA): ${eta}.`);
      expect(mail.text).not.toContain('UTC');
      // The pages ask for the zone with the expression the sends use.
      expect(await subjectTimeZone(api.harness.db, 'visit', started.body.visitId)).toBe('America/New_York');
      expect(await subjectTimeZone(api.harness.db, 'visit', `unknown-${tag}`)).toBe(DEFAULT_TIME_ZONE);
      expect(await subjectTimeZone(api.harness.db, 'plan', started.body.visitId)).toBe(DEFAULT_TIME_ZONE);
    });
  });
});
