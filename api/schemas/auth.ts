import { z } from 'zod';
import { Role } from '../http/actor';
import { isTimeZone } from '../../lib/time-zone';
import { registry } from '../openapi/registry';

const email = z.string().trim().toLowerCase().email().max(254);
/** Long passphrases beat complexity rules; the upper bound keeps hashing cheap to refuse. */
const password = z.string().min(12, 'at least 12 characters').max(200);
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, dot, underscore or dash');

export const LoginBody = registry.register('Login', z.strictObject({ email, password: z.string().min(1).max(200) }));

export const UserView = registry.register('User', z.object({ id: z.string(), name: z.string(), email: z.string(), role: Role, team: z.string().nullable() }));

/** The signed-in person, with the clock their pages show times in (their team's). */
export const SessionUser = registry.register(
  'SessionUser',
  UserView.extend({ timeZone: z.string().openapi({ description: "IANA zone of the user's team; Europe/London without a team" }) }),
);

export const Session = registry.register('Session', z.object({ token: z.string(), expiresAt: z.string().nullable(), user: SessionUser }));

export const CreateUserBody = registry.register(
  'CreateUser',
  z.strictObject({
    id: id.optional(),
    email,
    name: z.string().trim().min(1).max(200),
    role: Role,
    team: id.optional().openapi({ description: 'Created if it does not exist yet' }),
    password: password.optional(),
  }),
);

/** A team's directory entry: whom its visits alert and the clock its people read. */
export const TeamSettingsBody = registry.register(
  'TeamSettings',
  z.strictObject({
    id,
    name: z.string().trim().min(1).max(200).optional(),
    timeZone: z
      .string()
      .refine(isTimeZone, 'not a time zone the server knows (IANA name, e.g. Europe/London)')
      .optional()
      .openapi({ description: 'IANA zone for times in messages and pages; Europe/London by default' }),
    onCallName: z.string().trim().min(1).max(100).optional(),
    onCallEmail: email.optional().openapi({ description: 'The emergency contact of every visit of the team' }),
    defaultManagerId: id.optional().openapi({ description: 'A manager of the team, alerted when a visit names none' }),
  }),
);

export const PasswordBody = registry.register('SetPassword', z.strictObject({ password }));

export const IssueTokenBody = registry.register(
  'IssueToken',
  z.strictObject({
    name: z.string().trim().min(1).max(100).openapi({ description: 'What the token is for, e.g. "rota sync"' }),
    expiresInDays: z.number().int().min(1).max(3650).optional().openapi({ description: 'Omit for a token that lasts until revoked' }),
  }),
);

export const IssuedToken = registry.register(
  'IssuedToken',
  z.object({ id: z.string(), token: z.string().openapi({ description: 'Shown once; only its hash is kept' }), expiresAt: z.string().nullable() }),
);

export const TokenView = registry.register(
  'Token',
  z.object({
    id: z.string(),
    kind: z.enum(['api', 'session']),
    name: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  }),
);

export const UserParams = z.object({ userId: id });
export const TokenParams = z.object({ tokenId: z.string().uuid() });
export const UserList = z.object({ users: z.array(UserView) });
export const TokenList = z.object({ tokens: z.array(TokenView) });
