// Pieces the request schemas share.
import { z } from 'zod';
// Gives zod its .openapi() before the schemas below use it.
import '../openapi/registry';

export const text = (max = 4000) => z.string().trim().min(1).max(max);
export const id = z.string().trim().min(1).max(64);
/** A member of staff a case names: their account and where messages reach them. */
export const staffContact = { id, email: z.email().max(200) };
/** An id the client may choose for what it creates, so a retried request cannot create it twice. */
export const retryId = z.uuid().optional().openapi({ description: 'Lets a client retry safely: the same id is refused the second time' });

/** A request kept but not yet answered by its case (no worker running): its answer comes at `location`. */
export const RequestPending = z
  .object({ requestId: z.uuid(), status: z.literal('pending'), location: z.string() })
  .openapi('RequestPending', { description: 'Kept and acted on once a worker runs; GET the location for the answer' });

export const WorkflowRequestParams = z.object({ requestId: z.uuid() });

export const RequestView = z
  .object({
    requestId: z.uuid(),
    name: z.string(),
    status: z.enum(['pending', 'done', 'refused']),
    result: z.unknown().nullable(),
    message: z.string().nullable(),
    createdAt: z.string(),
    answeredAt: z.string().nullable(),
  })
  .openapi('RequestView');
