import { Prisma } from '../generated/prisma/client';
import type { Db } from './db';

// Times as the people of a team read them: their own wall clock, with the zone named, so
// "19:45 BST" cannot be misread as UTC or as the reader's phone setting.

/** Where CareWatch started; a team elsewhere sets its own (`npm run users -- team`). */
export const DEFAULT_TIME_ZONE = 'Europe/London';

/** Whether the runtime knows the IANA zone (`Europe/London`, `America/New_York`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, { time: Intl.DateTimeFormat; day: Intl.DateTimeFormat }>();
function formatsFor(zone: string) {
  let f = formats.get(zone);
  if (!f) {
    // en-GB names British summer time "BST" and winter "GMT"; other zones get their short name or offset.
    f = {
      time: new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }),
      day: new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }),
    };
    formats.set(zone, f);
  }
  return f;
}

/**
 * "19:45 BST", with the day added ("19:45 BST on Sun 29 Mar 2026") when it is not the day of
 * `nowMs` in that zone: a reminder read after midnight, or a visit planned days ahead.
 */
export function localTime(at: string | number | Date, zone: string = DEFAULT_TIME_ZONE, nowMs: number = Date.now()): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  const { time, day } = formatsFor(zone);
  const date = day.format(d).replace(',', '');
  return date === day.format(nowMs).replace(',', '') ? time.format(d) : `${time.format(d)} on ${date}`;
}

/** The zone of a team, or the default for a team not (yet) in the directory. */
export async function teamTimeZone(db: Db, team: string | null | undefined): Promise<string> {
  const row = team ? await db.team.findUnique({ where: { id: team }, select: { timeZone: true } }) : null;
  return row?.timeZone ?? DEFAULT_TIME_ZONE;
}

/**
 * The zone a message about a subject is read in, as a SQL expression: its team's for a visit
 * (only visit messages carry times of day), null otherwise or for a visit not in the directory.
 * An expression, so a send asks for it in the statement that also finds the recipient.
 */
export function subjectTimeZoneSql(subjectType: string, subjectId: string): Prisma.Sql {
  return Prisma.sql`(SELECT t."timeZone" FROM "Visit" v JOIN "Team" t ON t."id" = v."team" WHERE ${subjectType}::text = 'visit' AND v."id" = ${subjectId})`;
}

/** The zone a message about a subject is read in: its team's, or the default. */
export async function subjectTimeZone(db: Db, subjectType: string, subjectId: string): Promise<string> {
  const [row] = await db.$queryRaw<{ timeZone: string | null }[]>`SELECT ${subjectTimeZoneSql(subjectType, subjectId)} AS "timeZone"`;
  return row?.timeZone ?? DEFAULT_TIME_ZONE;
}
