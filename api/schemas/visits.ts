import { z } from 'zod';
import type { PolicyProblem } from '../../workflows/visit-policy';
import { invalidRequest, type AppError } from '../http/errors';
import { registry } from '../openapi/registry';

const MIN = 60_000;
const DAY_MS = 24 * 60 * MIN;

const minutes = (max: number) => z.number().int().min(1).max(max);
const isoTime = z.iso.datetime({ offset: true });
const userId = z.string().min(1).max(100);

/**
 * A field the directory decides (issue 15 hole 7): refused by name, so no client believes it
 * chose where an alarm goes while the service sends it elsewhere.
 */
const fromDirectory = (source: string) =>
  z
    .unknown()
    .optional()
    .refine((v) => v === undefined, { message: `comes from the directory (${source}); leave it out` })
    .openapi({ description: `Refused: ${source}` });

/** The buddy is the worker's choice: a user by id (their directory address is used), or someone without an account. */
const Buddy = z
  .strictObject({ id: userId.optional(), name: z.string().trim().min(1).max(100).optional(), email: z.email().max(200).optional() })
  .superRefine((b, ctx) => {
    for (const field of ['name', 'email'] as const) {
      if (b.id && b[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'leave it out when buddy.id names a user: the directory has it' });
      if (!b.id && b[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required for a buddy without an account (or give buddy.id)' });
    }
  })
  .transform((b) => (b.id ? { id: b.id } : { name: b.name!, email: b.email! }))
  .openapi({ description: 'A user by `id`, or `name` and `email` of someone without an account' });

export const PolicyOverridesBody = z
  .strictObject({
    checkInIntervalMinutes: minutes(8 * 60),
    reminderBeforeMinutes: minutes(120),
    graceMinutes: minutes(120),
    ladder: z
      .array(z.strictObject({ notify: z.enum(['worker', 'buddy', 'manager', 'emergency']), waitMinutes: minutes(120), repeats: z.number().int().min(1).max(5) }))
      .min(1)
      .max(8),
    maxExtensions: z.number().int().min(0).max(10),
    maxTotalExtensionMinutes: z
      .number()
      .int()
      .min(0)
      .max(8 * 60),
    redFlagAlertsEmergency: z.boolean(),
    notStartedAlertMinutes: minutes(240),
  })
  .partial()
  .openapi({ description: 'Closer watching than the risk level asks for is allowed; looser is refused.' });

export const StartVisitBody = registry.register(
  'StartVisit',
  z
    .strictObject({
      /** Lets a client retry a start safely: the same id is refused the second time. */
      visitId: z.uuid().optional(),
      kind: z.enum(['home', 'building', 'online']),
      riskLevel: z.enum(['low', 'medium', 'high']),
      clientRef: z.string().trim().min(1).max(64).openapi({ description: "A reference to the client's record, never their name" }),
      location: z.string().trim().min(1).max(500).openapi({ description: 'Address, or the link of an online session' }),
      notes: z.string().max(2000).optional(),
      eta: isoTime.openapi({ description: 'Expected end of the visit' }),
      plannedStartAt: isoTime.optional().openapi({ description: 'Schedules the visit ahead; it arms itself then' }),
      worker: z
        .strictObject({ id: userId, name: fromDirectory("the worker's user"), email: fromDirectory("the worker's user") })
        .optional()
        .openapi({ description: 'Whose visit: required when a manager schedules one; a worker starts their own' }),
      buddy: Buddy,
      manager: z
        .strictObject({ id: userId, name: fromDirectory("the manager's user"), email: fromDirectory("the manager's user") })
        .optional()
        .openapi({ description: "A manager of the worker's team; without it, the team's default manager" }),
      emergencyContact: fromDirectory("the team's on-call contact"),
      duressCode: z
        .string()
        .regex(/^\d{4,8}$/, 'must be 4 to 8 digits')
        .optional(),
      secondPersonPresent: z.boolean().default(false),
      policy: PolicyOverridesBody.optional(),
    })
    .superRefine((v, ctx) => {
      const now = Date.now();
      const eta = Date.parse(v.eta);
      const start = v.plannedStartAt ? Date.parse(v.plannedStartAt) : now;
      if (v.plannedStartAt && start <= now) ctx.addIssue({ code: 'custom', path: ['plannedStartAt'], message: 'must be in the future' });
      if (eta <= now) ctx.addIssue({ code: 'custom', path: ['eta'], message: 'must be in the future' });
      else if (eta <= start) ctx.addIssue({ code: 'custom', path: ['eta'], message: 'must be after the planned start' });
      if (eta - start > DAY_MS) ctx.addIssue({ code: 'custom', path: ['eta'], message: 'a visit lasts at most 24 hours' });
      if (start - now > 30 * DAY_MS) ctx.addIssue({ code: 'custom', path: ['plannedStartAt'], message: 'at most 30 days ahead' });
    }),
);

/** Policy overrides in the workflow's units. */
export function policyOverrides(body: z.infer<typeof PolicyOverridesBody> = {}) {
  const ms = (m: number | undefined) => (m === undefined ? undefined : m * MIN);
  const overrides = {
    checkInIntervalMs: ms(body.checkInIntervalMinutes),
    reminderBeforeMs: ms(body.reminderBeforeMinutes),
    graceMs: ms(body.graceMinutes),
    ladder: body.ladder?.map((s) => ({ notify: s.notify, waitMs: s.waitMinutes * MIN, repeats: s.repeats })),
    maxExtensions: body.maxExtensions,
    maxTotalExtensionMs: ms(body.maxTotalExtensionMinutes),
    redFlagAlertsEmergency: body.redFlagAlertsEmergency,
    notStartedAlertMs: ms(body.notStartedAlertMinutes),
  };
  return Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
}

/**
 * A refused policy in the body's names and units: `policy.graceMinutes must be between 0 and
 * 10`, not the workflow's `graceMs` and milliseconds.
 */
export function policyRefused(problems: PolicyProblem[]): AppError {
  return invalidRequest(
    'body',
    problems.map(({ field, message, range }) => {
      const inMinutes = /Ms$/.test(field);
      return {
        field: `policy.${inMinutes ? field.replace(/Ms$/, 'Minutes') : field}`,
        message: inMinutes && range ? `must be between ${Math.ceil(range.min / MIN)} and ${Math.floor(range.max / MIN)}` : message,
      };
    }),
  );
}

export const VisitParams = z.object({ visitId: z.uuid() });
export const AckParams = z.object({ token: z.string().min(10).max(1000) });

export const CheckInBody = registry.register(
  'CheckIn',
  z.strictObject({
    code: z
      .string()
      .regex(/^\d{4,8}$/, 'must be 4 to 8 digits')
      .optional(),
  }),
);
export const ExtendBody = registry.register(
  'Extend',
  z.strictObject({ eta: isoTime, reason: z.string().trim().min(3).max(500) }).refine((v) => Date.parse(v.eta) > Date.now(), { path: ['eta'], message: 'must be in the future' }),
);
export const RedFlagBody = registry.register('RedFlag', z.strictObject({ reason: z.string().trim().min(1).max(1000).default('Red flag raised') }));
export const ResolveBody = registry.register(
  'ResolveIncident',
  z.strictObject({
    outcome: z.enum(['worker-safe', 'worker-harmed', 'client-harmed', 'false-alarm', 'visit-cancelled', 'other']),
    rationale: z.string().trim().min(10).max(4000),
    reviewRiskAssessment: z.boolean().default(false),
  }),
);

export const VisitStatusEnum = z.enum(['scheduled', 'open', 'overdue', 'escalating', 'incident', 'closed']);
export const ListVisitsQuery = z.strictObject({ status: VisitStatusEnum.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });

const Owner = z.object({ id: z.string(), role: z.string(), name: z.string(), at: z.string() });
export const VisitView = registry.register(
  'Visit',
  z.object({
    visit: z.object({
      visitId: z.string(),
      status: VisitStatusEnum,
      phase: z.enum(['scheduled', 'in-progress', 'ended']),
      eta: z.string(),
      nextDueAt: z.string().nullable(),
      startedAt: z.string().nullable(),
      lastCheckInAt: z.string().nullable(),
      closedAt: z.string().nullable(),
      extensions: z.object({ count: z.number(), totalMs: z.number() }),
      escalationLevel: z.number(),
      alert: z.object({ reason: z.string(), startedAt: z.string(), alerted: z.array(z.string()), owner: Owner.nullable() }).nullable(),
      incident: z.object({ reason: z.string(), openedAt: z.string(), owner: Owner.nullable(), alerted: z.array(z.string()) }).nullable(),
      riskReviewRequested: z.boolean(),
    }),
    timeline: z.array(z.object({ seq: z.number(), type: z.string(), at: z.string(), actorId: z.string(), actorRole: z.string(), reason: z.string().nullable() })),
  }),
);
export const Accepted = registry.register(
  'VisitRequestAccepted',
  z.object({
    visitId: z.string(),
    accepted: z.enum(['check-in', 'check-out', 'red-flag', 'acknowledge']),
    at: z.string(),
    owner: Owner.optional(),
  }),
);
/** One visit in a list: what a manager scans for, without its timeline. */
export const VisitSummary = z.object({
  id: z.string(),
  status: VisitStatusEnum,
  kind: z.string(),
  riskLevel: z.string(),
  workerId: z.string(),
  eta: z.string(),
  nextDueAt: z.string().nullable(),
  escalationLevel: z.number(),
});
export const VisitList = registry.register('VisitList', z.object({ visits: z.array(VisitSummary) }));
