/** Dates are calendar days written YYYY-MM-DD; the calendar of non-working days is configuration. */

/** A calendar day in milliseconds (dates here are UTC days, so every day has 24 hours). */
export const DAY_MS = 24 * 60 * 60 * 1000;

export const toDateString = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const dateStartMs = (date: string): number => Date.parse(`${date}T00:00:00Z`);

export function addDays(date: string, days: number): string {
  return toDateString(dateStartMs(date) + days * DAY_MS);
}

export function isWorkingDay(date: string, nonWorkingDates: readonly string[]): boolean {
  const weekday = new Date(dateStartMs(date)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !nonWorkingDates.includes(date);
}

/** The date `days` working days after `date` (weekends and listed dates do not count). */
export function addWorkingDays(date: string, days: number, nonWorkingDates: readonly string[]): string {
  let current = date;
  for (let counted = 0; counted < days;) {
    current = addDays(current, 1);
    if (isWorkingDay(current, nonWorkingDates)) counted++;
  }
  return current;
}
