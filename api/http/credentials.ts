import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Db } from '../../lib/db';

/** Bearer tokens start with this, so secret scanners and people recognise them. */
const TOKEN_PREFIX = 'cw_';
export const SESSION_HOURS = 12;

export type TokenKind = 'api' | 'session';

/** 32 random bytes: guessing is hopeless, so a fast hash (SHA-256) is enough to store it. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Issues a token for a user; the token itself is returned once and never stored. */
export async function issueToken(
  db: Db,
  userId: string,
  options: { kind: TokenKind; name: string; expiresAt?: Date | null },
): Promise<{ id: string; token: string; expiresAt: Date | null }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await db.apiToken.create({
    data: { userId, kind: options.kind, name: options.name, hash: hashToken(token), expiresAt: options.expiresAt ?? null },
  });
  return { id: row.id, token, expiresAt: row.expiresAt };
}

/** Revokes a token; false when there was no such live token. */
export async function revokeToken(db: Db, where: { id?: string; hash?: string; userId?: string }): Promise<boolean> {
  const { count } = await db.apiToken.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: new Date() } });
  return count > 0;
}

/** Last-used times are for people auditing tokens: minute precision spares a write per request. */
const LAST_USED_PRECISION_MS = 60_000;

interface TokenRow {
  id: string;
  kind: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  user: { id: string; email: string; name: string; role: string; teamId: string | null };
  userDisabled: boolean;
}

/** The user behind a live token, or null for an unknown, revoked or expired one or a disabled user. */
export async function userOfToken(db: Db, token: string, now = new Date()) {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  // Every authenticated request asks this: one raw statement costs about a third of the CPU of
  // Prisma's compiled query with its include (README "Performance", the API's profile).
  const [row] = await db.$queryRaw<TokenRow[]>`
    SELECT t."id", t."kind", t."expiresAt", t."lastUsedAt", t."revokedAt",
           json_build_object('id', u."id", 'email', u."email", 'name', u."name", 'role', u."role", 'teamId', u."teamId") AS "user",
           u."disabledAt" IS NOT NULL AS "userDisabled"
      FROM "ApiToken" t JOIN "User" u ON u."id" = t."userId"
     WHERE t."hash" = ${hashToken(token)}`;
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now) || row.userDisabled) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
    // A phone checking in every half hour pays this on every check-in: one raw statement, not the
    // ORM's compiled query (README "Performance", the API's warm-up and a token's last use).
    await db.$executeRaw`UPDATE "ApiToken" SET "lastUsedAt" = ${now.toISOString()}::timestamp WHERE "id" = ${row.id}`;
  }
  return { tokenId: row.id, kind: row.kind as TokenKind, expiresAt: row.expiresAt, user: row.user };
}

// scrypt at N=2^15 costs ~32 MiB and tens of milliseconds: slow for guessing, fine for a sign-in.
const SCRYPT: ScryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

const derive = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));

/** `scrypt$N$r$p$salt$key`, so the cost can be raised later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, KEY_LENGTH, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

// Checking an unknown email costs the same as a known one, so timing does not reveal accounts.
const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`;

export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = (stored ?? DUMMY_HASH).split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem });
  return stored != null && timingSafeEqual(actual, expected);
}
