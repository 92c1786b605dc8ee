import { Router } from 'express';
import type { AppDeps } from '../deps';
import { sessionUserView } from '../http/accounts';
import { actorOf, Role, tokenIdOf } from '../http/actor';
import { clearCodecCookie, setCodecCookie } from '../http/codec-cookie';
import { issueToken, revokeToken, SESSION_HOURS, verifyPassword } from '../http/credentials';
import { AppError } from '../http/errors';
import { mayOperate } from '../http/policy';
import { parse } from '../http/validate';
import { documentPaths } from '../openapi/paths';
import { LoginBody, Session, SessionUser } from '../schemas/auth';

const doc = documentPaths('auth');
doc('post', '/auth/login', `Sign in with email and password: a bearer token that expires after ${SESSION_HOURS} h (operators and admins: also the /codec cookie)`, {
  body: LoginBody,
  ok: Session,
  errors: [400, 401, 429],
});
doc('post', '/auth/logout', 'Sign out: the token used for this request stops working', { errors: [401] });
doc('get', '/auth/me', 'Who the token belongs to', { ok: SessionUser, errors: [401] });

export function authRoutes({ db, log }: AppDeps): Router {
  const router = Router();

  router.post('/auth/login', async (req, res) => {
    const { email, password } = parse(LoginBody, req);
    const user = await db.user.findUnique({ where: { email }, include: { team: true } });
    // The same answer for an unknown email, a wrong password and a disabled account.
    const ok = await verifyPassword(password, user?.passwordHash);
    if (!user || !ok || user.disabledAt) {
      log.warn({ event: 'login_failed', ip: req.ip }, 'sign-in refused');
      throw new AppError(401, 'invalid_credentials', 'Email or password is wrong');
    }
    const expiresAt = new Date(Date.now() + SESSION_HOURS * 3_600_000);
    const session = await issueToken(db, user.id, { kind: 'session', name: `sign-in from ${req.ip ?? 'unknown'}`, expiresAt });
    log.info({ event: 'login', userId: user.id }, 'signed in');
    if (mayOperate({ id: user.id, role: Role.parse(user.role) })) setCodecCookie(req, res, session.token, expiresAt);
    res.set('Cache-Control', 'no-store').json({ token: session.token, expiresAt: expiresAt.toISOString(), user: sessionUserView(user) });
  });

  router.post('/auth/logout', async (req, res) => {
    await revokeToken(db, { id: tokenIdOf(req) });
    clearCodecCookie(req, res);
    res.json({});
  });

  router.get('/auth/me', async (req, res) => {
    const user = await db.user.findUniqueOrThrow({ where: { id: actorOf(req).id }, include: { team: true } });
    res.json(sessionUserView(user));
  });

  return router;
}
