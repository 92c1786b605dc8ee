import { z } from 'zod';
import { VIEWS } from '../../operations/workflows';
import { registry } from '../openapi/registry';

/** Search attribute values are categories: letters, digits, dashes and underscores only. */
const category = z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'letters, digits, - and _ only');

export const WorkflowFilterQuery = z
  .object({
    view: z.enum(Object.keys(VIEWS) as [keyof typeof VIEWS, ...(keyof typeof VIEWS)[]]).optional(),
    kind: z.enum(['visit', 'plan']).optional(),
    status: category.optional(),
    team: category.optional(),
    open: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    deadlineBefore: z.iso.datetime({ offset: true }).optional(),
    escalationAtLeast: z.coerce.number().int().min(0).max(20).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const FailingQuery = z
  .object({
    kind: z.enum(['visit', 'plan']).optional(),
    team: category.optional(),
    minAttempts: z.coerce.number().int().min(2).max(1000).default(3),
    scan: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();

export const WorkflowParams = z.object({ workflowId: z.string().regex(/^(visit|plan)-[A-Za-z0-9-]{1,100}$/, 'a visit-… or plan-… workflow id') });
export const VisitChronologyParams = z.object({ visitId: z.uuid() });
export const PlanChronologyParams = z.object({ planId: z.string().regex(/^[A-Za-z0-9-]{1,100}$/) });

/** Every operator action is recorded with who and why. */
const Reason = z.string().trim().min(5, 'say why (at least 5 characters)').max(1000);

export const ReasonBody = registry.register('OperatorReason', z.object({ reason: Reason }).strict());
export const RetryBody = registry.register(
  'RetryNow',
  z
    .object({ reason: Reason, activityIds: z.array(z.string().min(1).max(200)).max(50).optional() })
    .strict()
    .openapi({ description: 'Without activityIds, every pending activity is retried now.' }),
);
export const ReconcileBody = registry.register(
  'Reconcile',
  z
    .object({
      workflowIds: z.array(WorkflowParams.shape.workflowId).min(1).max(200).optional(),
      kind: z.enum(['visit', 'plan']).optional(),
      open: z.boolean().default(true),
      limit: z.number().int().min(1).max(1000).default(200),
    })
    .strict(),
);

const WorkflowSummary = z.object({
  workflowId: z.string(),
  runId: z.string(),
  type: z.string(),
  executionStatus: z.string(),
  startedAt: z.string(),
  closedAt: z.string().nullable(),
  kind: z.string().nullable(),
  status: z.string().nullable(),
  team: z.string().nullable(),
  nextDeadline: z.string().nullable(),
  escalationLevel: z.number().nullable(),
});
export const WorkflowList = registry.register('WorkflowList', z.object({ query: z.string(), workflows: z.array(WorkflowSummary) }));
export const WorkflowCount = registry.register('WorkflowCount', z.object({ query: z.string(), count: z.number() }));
export const Timeline = registry.register(
  'WorkflowTimeline',
  z.object({ workflowId: z.string(), runs: z.number(), timeline: z.array(z.object({ eventId: z.number(), at: z.string(), event: z.string(), meaning: z.string() })) }),
);
export const ChainReport = registry.register(
  'AuditChainReport',
  z.object({ ok: z.boolean(), entries: z.number(), lastHash: z.string().optional(), firstBroken: z.object({ seq: z.number(), problem: z.string() }).optional() }),
);
