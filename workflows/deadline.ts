import { condition } from '@temporalio/workflow';

/**
 * Waits until `done()` holds or the deadline passes, whichever is first; returns true when
 * done came first. The deadline is read again whenever state changes, so an extension or a
 * check-in that moves it re-arms the wait without a new loop at every call site.
 */
export async function doneBeforeDeadline(done: () => boolean, deadlineMs: () => number): Promise<boolean> {
  for (;;) {
    if (done()) return true;
    const target = deadlineMs();
    const remaining = target - Date.now();
    if (remaining <= 0) return false;
    const woke = await condition(() => done() || deadlineMs() !== target, remaining);
    if (!woke) return done();
  }
}
