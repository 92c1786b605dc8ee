import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an acknowledgement link proves: who it was sent to, for which visit, until when. */
export interface AckClaim {
  /** The AckToken row that makes the link single-use. */
  tokenId: string;
  visitId: string;
  role: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

export type AckVerification = { ok: true; claim: AckClaim } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

const mac = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest();

/** `payload.signature`, both base64url: short enough for a link, tamper-evident without a lookup. */
export function signAckToken(claim: AckClaim, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claim)).toString('base64url');
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

export function verifyAckToken(token: string, secret: string, nowMs: number): AckVerification {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length) return { ok: false, reason: 'malformed' };
  const expected = mac(payload, secret);
  const given = Buffer.from(signature, 'base64url');
  // Compare in constant time so a forger learns nothing from response times.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let claim: AckClaim;
  try {
    claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claim.exp !== 'number' || typeof claim.tokenId !== 'string' || typeof claim.visitId !== 'string') return { ok: false, reason: 'malformed' };
  if (claim.exp <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claim };
}

export const ackLinkUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/$/, '')}/visits/ack/${token}`;

/** The worker's "I'm OK" link: signed and single-use like a take-charge link. */
export const imOkLinkUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/$/, '')}/visits/ok/${token}`;
