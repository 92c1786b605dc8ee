import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { directoryParties, eventsOf, startBody } from '../helpers/visits';
import { pagesSuite } from './pages-suite';

// Issue 16: a worker reminded by email checks in from the message itself. Opening the link
// changes nothing (mail scanners open links); the button on its page checks in, once.
describe("The worker's I'm OK link, from the email in the SMTP sink to a check-in (headless Chromium)", () => {
  const pages = pagesSuite();

  it("When the worker opens the reminder's I'm OK link, then nothing changes until they press the button, which checks them in once", async () => {
    const tag = randomUUID().slice(0, 8);
    const { worker } = await directoryParties(tag);
    const started = await request(pages.api.app)
      .post('/visits')
      .set(worker)
      // A check-in every minute, reminded a minute before: the first reminder goes at once.
      .send(startBody(tag, { manager: { id: `manager-${tag}` }, policy: { checkInIntervalMinutes: 1, reminderBeforeMinutes: 1 } }))
      .expect(201);
    const visitId: string = started.body.visitId;

    const [reminder] = await pages.api.harness.smtp.waitFor(1, (m) => m.to[0] === `worker-${tag}@example.org` && m.subject.startsWith('Check-in due at'), 30_000);
    const link = new URL(/I'm OK: (http:\/\/carewatch\.test\/visits\/ok\/\S+)/.exec(reminder.text)![1]).pathname;
    expect(reminder.html).toContain(`href="http://carewatch.test${link}"`);

    const page = await (await pages.browser.newContext()).newPage();
    await page.goto(`${pages.base}${link}`);
    await page.getByRole('heading', { name: 'Are you OK, Wendy Worker?' }).waitFor();
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await eventsOf(pages.api.harness.db, visitId)).map((e) => e.type)).not.toContain('checked-in');

    await page.getByRole('button', { name: "I'm OK" }).click();
    await page.getByRole('heading', { name: 'Thank you: you are checked in' }).waitFor();
    const events = await eventsOf(pages.api.harness.db, visitId, (t) => t.includes('checked-in'));
    expect(events.find((e) => e.type === 'checked-in')).toMatchObject({ actorId: `worker-${tag}`, actorRole: 'worker' });

    // Single-use: the same link again is refused, and takes nobody's charge either.
    await page.goto(`${pages.base}${link}`);
    await page.getByRole('button', { name: "I'm OK" }).click();
    await page.getByRole('heading', { name: 'This link cannot be used' }).waitFor();
    expect(await page.textContent('body')).toContain('This link has already been used');
    await request(pages.api.app).post(link.replace('/visits/ok/', '/visits/ack/')).set('Accept', 'application/json').expect(404);
    expect((await eventsOf(pages.api.harness.db, visitId)).filter((e) => e.type === 'checked-in')).toHaveLength(1);
  });
});
