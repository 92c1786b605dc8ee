// One escalation timetable for every ladder the service walks (visits, plan reviews,
// unscheduled reviews, declined-support follow-ups, disagreements): a pure function of the
// policy and of how many planned sends are behind us. Every time is planned from the
// ladder's start (a deadline plus its grace, a due date), never from when the previous
// message went, so steps do not drift and an outage delays only what fell inside it.

/** One rung: whom it reaches, how long to wait after each of its sends, how many sends. */
export interface EscalationStep<R> {
  notify: readonly R[];
  waitMs: number;
  repeats: number;
}

export interface EscalationLadder<R> {
  /** When the first send is due (e.g. deadline + grace). */
  startMs: number;
  steps: readonly EscalationStep<R>[];
  /** True (the default): the last step repeats every `waitMs` until the ladder is stopped. */
  lastStepRepeats?: boolean;
}

/** One send the ladder plans; `n` counts every send of the ladder from 1. */
export interface PlannedSend<R> {
  n: number;
  /** 1-based step and repeat within it. */
  step: number;
  repeat: number;
  at: number;
  notify: R[];
}

/** The n-th planned send (1-based), or null once a ladder that does not repeat has ended. */
export function plannedSend<R>(ladder: EscalationLadder<R>, n: number): PlannedSend<R> | null {
  if (!Number.isInteger(n) || n < 1 || ladder.steps.length === 0) return null;
  const repeatsLast = ladder.lastStepRepeats ?? true;
  let at = ladder.startMs;
  let before = 0;
  for (const [index, step] of ladder.steps.entries()) {
    const last = index === ladder.steps.length - 1;
    const repeats = Math.max(1, step.repeats);
    // A repeat without a wait would be a flood, not a reminder: such a last step sends its count only.
    if (n <= before + repeats || (last && repeatsLast && step.waitMs > 0)) {
      const repeat = n - before;
      return { n, step: index + 1, repeat, at: at + (repeat - 1) * step.waitMs, notify: [...step.notify] };
    }
    before += repeats;
    at += repeats * step.waitMs;
  }
  return null;
}

/** Every planned send due no later than `untilMs`, for timelines and tests. */
export function plannedSends<R>(ladder: EscalationLadder<R>, untilMs: number): PlannedSend<R>[] {
  const sends: PlannedSend<R>[] = [];
  for (let n = 1; ; n++) {
    const send = plannedSend(ladder, n);
    if (!send || send.at > untilMs) return sends;
    sends.push(send);
  }
}

export interface DueNow<R> {
  /** What goes out now, in ladder order. */
  send: PlannedSend<R>[];
  /** Planned sends behind us once `send` has gone: carry it forward as the new `done`. */
  done: number;
  /** The next planned send after those, or null when the ladder has ended. */
  next: PlannedSend<R> | null;
}

/**
 * What is due at `nowMs`, given that the first `done` planned sends are behind us (sent or
 * superseded). A step whose time has passed goes out at once, but only once: of the sends
 * missed during an outage, each step sends its latest; the rest keep their planned times.
 */
export function dueAt<R>(ladder: EscalationLadder<R>, done: number, nowMs: number): DueNow<R> {
  const missed: PlannedSend<R>[] = [];
  let n = done + 1;
  let next = plannedSend(ladder, n);
  while (next && next.at <= nowMs) {
    if (missed.at(-1)?.step === next.step) missed.pop();
    missed.push(next);
    next = plannedSend(ladder, ++n);
    // The repeating last step: jump straight to its latest missed send instead of walking an outage's worth of repeats.
    if (next && missed.at(-1)?.step === next.step && next.step === ladder.steps.length && next.at <= nowMs) {
      const { waitMs } = ladder.steps[next.step - 1];
      const skip = waitMs > 0 ? Math.floor((nowMs - next.at) / waitMs) : 0;
      if (skip > 0) next = plannedSend(ladder, (n += skip));
    }
  }
  return { send: missed, done: n - 1, next };
}

/** Builds a ladder from steps that name a single recipient each (the visit policy's shape). */
export function ladderOf<R>(startMs: number, steps: readonly { notify: R; waitMs: number; repeats: number }[]): EscalationLadder<R> {
  return { startMs, steps: steps.map((s) => ({ notify: [s.notify], waitMs: s.waitMs, repeats: s.repeats })) };
}
