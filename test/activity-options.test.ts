import { msToNumber } from '@temporalio/common/lib/time';
import { EMAIL_TIMEOUTS } from '../lib/mailer';
import { SEND_OPTIONS, sendAttemptsWithin, VISIT_ALERT_OPTIONS } from '../workflows/activity-options';

/** The waits between the attempts a retry policy allows, in ms. */
function waits(options: typeof SEND_OPTIONS): number[] {
  const retry = options.retry!;
  const out: number[] = [];
  for (let wait = msToNumber(retry.initialInterval!), n = 1; n < retry.maximumAttempts!; n++, wait = Math.min(msToNumber(retry.maximumInterval!), wait * retry.backoffCoefficient!))
    out.push(wait);
  return out;
}

test('When the relay is down, then an alert is tried again at most 15 s apart, a visit alert for about 2 minutes and a plan message for about 40', () => {
  for (const options of [SEND_OPTIONS, VISIT_ALERT_OPTIONS]) expect(Math.max(...waits(options))).toBe(15_000);
  const total = (options: typeof SEND_OPTIONS) => waits(options).reduce((a, b) => a + b, 0);
  expect(total(VISIT_ALERT_OPTIONS)).toBeGreaterThan(105_000);
  expect(total(VISIT_ALERT_OPTIONS)).toBeLessThanOrEqual(120_000);
  expect(total(SEND_OPTIONS)).toBeGreaterThan(39 * 60_000);
  expect(total(SEND_OPTIONS)).toBeLessThanOrEqual(40 * 60_000);
  expect(sendAttemptsWithin(0)).toBe(1);
});

test('When a worker dies holding a send, then Temporal retries it after a 10 s heartbeat timeout, and no attempt is cut off while a relay may still answer', () => {
  for (const options of [SEND_OPTIONS, VISIT_ALERT_OPTIONS]) {
    expect(msToNumber(options.heartbeatTimeout!)).toBe(10_000);
    expect(msToNumber(options.startToCloseTimeout!)).toBeGreaterThan(EMAIL_TIMEOUTS.connectionTimeoutMs + EMAIL_TIMEOUTS.greetingTimeoutMs + EMAIL_TIMEOUTS.socketTimeoutMs);
  }
});
