import { z } from 'zod';
import { registry } from '../openapi/registry';
import { VisitSummary } from './visits';

export const DashboardQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(200) });

export const DashboardVisits = registry.register(
  'DashboardVisits',
  z.object({
    team: z.string(),
    timeZone: z.string().openapi({ description: "The team's IANA zone: the dashboard shows times on this clock" }),
    visits: z.array(
      VisitSummary.extend({
        workerName: z.string().openapi({ description: "The worker's name in the directory (their id if they left the team)" }),
        clientRef: z.string(),
      }),
    ),
  }),
);
