// What an operator's Prometheus would have seen while a capacity size ran: the API's own
// /metrics, scraped every five seconds (a third of Prometheus's usual interval), for alarms
// past their time and not yet sent.

export interface AlarmsSeen {
  scrapes: number;
  /** Most visits owing an overdue alarm at once, and the most overdue alarm seen (s). */
  maxOverdue: number;
  maxOverdueSeconds: number;
}

const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/** Scrapes `apiUrl`/metrics until stopped; a scrape that fails is skipped, not counted. */
export function watchOverdueAlarms(apiUrl: string, everyMs = 5_000): { stop(): Promise<AlarmsSeen> } {
  const seen: AlarmsSeen = { scrapes: 0, maxOverdue: 0, maxOverdueSeconds: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const text = await (await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
        const overdue = gauge(text, 'carewatch_visit_alarms_overdue');
        const seconds = gauge(text, 'carewatch_visit_alarm_overdue_seconds');
        if (Number.isFinite(overdue) && Number.isFinite(seconds)) {
          seen.scrapes++;
          seen.maxOverdue = Math.max(seen.maxOverdue, overdue);
          seen.maxOverdueSeconds = Math.max(seen.maxOverdueSeconds, seconds);
        }
      } catch {
        // The API busy past the timeout: the next scrape tries again, as Prometheus would.
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return seen;
    },
  };
}
