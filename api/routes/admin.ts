import { Router, type Request } from 'express';
import type { ApiToken } from '../../generated/prisma/client';
import type { AppDeps } from '../deps';
import { createUser, setPassword, userView } from '../http/accounts';
import { actorOf } from '../http/actor';
import { issueToken, revokeToken } from '../http/credentials';
import { notFound } from '../http/errors';
import { ensure, mayAdminister } from '../http/policy';
import { parse } from '../http/validate';
import { documentPaths } from '../openapi/paths';
import { CreateUserBody, IssuedToken, IssueTokenBody, PasswordBody, TokenList, TokenParams, UserList, UserParams, UserView } from '../schemas/auth';

const doc = documentPaths('admin');
const U = '/admin/users/{userId}';
doc('get', '/admin/users', 'Every user with their role and team (admin)', { ok: UserList, errors: [401, 403] });
doc('post', '/admin/users', 'Create a user, and their team if new (admin)', { body: CreateUserBody, ok: UserView, okStatus: 201, errors: [400, 401, 403, 409] });
doc('post', `${U}/password`, "Set a user's password; their sessions end (admin)", { params: UserParams, body: PasswordBody, errors: [400, 401, 403, 404] });
doc('get', `${U}/tokens`, "A user's tokens, never the tokens themselves (admin)", { params: UserParams, ok: TokenList, errors: [400, 401, 403, 404] });
doc('post', `${U}/tokens`, 'Issue an API token, shown once (admin)', { params: UserParams, body: IssueTokenBody, ok: IssuedToken, okStatus: 201, errors: [400, 401, 403, 404] });
doc('post', '/admin/tokens/{tokenId}/revoke', 'Revoke a token at once (admin)', { params: TokenParams, errors: [400, 401, 403, 404] });

const iso = (d: Date | null) => d?.toISOString() ?? null;
const tokenView = (t: ApiToken) => ({
  id: t.id,
  kind: t.kind as 'api' | 'session',
  name: t.name,
  createdAt: t.createdAt.toISOString(),
  expiresAt: iso(t.expiresAt),
  lastUsedAt: iso(t.lastUsedAt),
  revokedAt: iso(t.revokedAt),
});

export function adminRoutes({ db, log }: AppDeps): Router {
  const router = Router();

  const admin = (req: Request) => {
    const actor = actorOf(req);
    ensure(mayAdminister(actor), 'Users and tokens are administered by admins');
    return actor;
  };
  const userOf = async (req: Request) => {
    const { userId } = parse(UserParams, req, 'params');
    const user = await db.user.findUnique({ where: { id: userId } });
    if (!user) throw notFound('User');
    return user;
  };

  router.get('/admin/users', async (req, res) => {
    admin(req);
    res.json({ users: (await db.user.findMany({ orderBy: { email: 'asc' } })).map(userView) });
  });

  router.post('/admin/users', async (req, res) => {
    const actor = admin(req);
    const user = await createUser(db, parse(CreateUserBody, req));
    log.info({ event: 'user_created', by: actor.id, userId: user.id, role: user.role }, 'user created');
    res.status(201).json(userView(user));
  });

  router.post('/admin/users/:userId/password', async (req, res) => {
    const actor = admin(req);
    const user = await userOf(req);
    await setPassword(db, user.id, parse(PasswordBody, req).password);
    log.info({ event: 'password_set', by: actor.id, userId: user.id }, 'password set');
    res.json({});
  });

  router.get('/admin/users/:userId/tokens', async (req, res) => {
    admin(req);
    const user = await userOf(req);
    res.json({ tokens: (await db.apiToken.findMany({ where: { userId: user.id }, orderBy: { createdAt: 'asc' } })).map(tokenView) });
  });

  router.post('/admin/users/:userId/tokens', async (req, res) => {
    const actor = admin(req);
    const user = await userOf(req);
    const body = parse(IssueTokenBody, req);
    const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
    const issued = await issueToken(db, user.id, { kind: 'api', name: body.name, expiresAt });
    log.info({ event: 'token_issued', by: actor.id, userId: user.id, tokenId: issued.id }, 'token issued');
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ id: issued.id, token: issued.token, expiresAt: iso(issued.expiresAt) });
  });

  router.post('/admin/tokens/:tokenId/revoke', async (req, res) => {
    const actor = admin(req);
    const { tokenId } = parse(TokenParams, req, 'params');
    if (!(await revokeToken(db, { id: tokenId }))) throw notFound('Live token');
    log.info({ event: 'token_revoked', by: actor.id, tokenId }, 'token revoked');
    res.json({});
  });

  return router;
}
