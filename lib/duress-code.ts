import { createHmac } from 'node:crypto';

/**
 * A duress code is kept only as a keyed hash: the workflow compares hashes, so neither its
 * history nor the database holds the code itself.
 */
export function hashDuressCode(code: string, secret: string): string {
  return createHmac('sha256', secret).update(`duress:${code}`).digest('base64url');
}
