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
