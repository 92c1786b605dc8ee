// `npm run users -- <command>`: the first admin, users, passwords and tokens, from a shell on
// the server. Tokens and generated passwords go to stdout alone, so `$(npm run -s users -- …)`
// captures them; everything else goes to stderr.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createUser, setPassword, setTeam } from '../api/http/accounts';
import { issueToken, revokeToken } from '../api/http/credentials';
import { AppError } from '../api/http/errors';
import { CreateUserBody, IssueTokenBody, PasswordBody, TeamSettingsBody } from '../api/schemas/auth';
import { loadConfig, usersEnvSchema } from '../config/env';
import { stackDatabaseUrl } from '../infra/stack-record';
import { createDb, type Db } from '../lib/db';

const USAGE = `Usage: npm run users -- <command> [options]
  create-admin  --email E --name N [--password-stdin]   the first admin (refused once one exists); prints a token
  create        --email E --name N --role R [--team T] [--id I] [--password-stdin]
  set-password  --email E [--password-stdin]             without --password-stdin a password is generated and printed
  issue-token   --email E --name WHAT [--days D]         prints the token (shown once)
  revoke-token  --id TOKEN_ID | --email E --all          revokes one token, or all of a user's
  list                                                   users with role and team
  team          --id T [--name N] [--time-zone Z] [--on-call-name N] [--on-call-email E] [--default-manager USER_ID]
                                                         creates or changes a team: whom its visits alert, the zone its times are shown in
Roles: worker, practitioner, manager, safeguarding_lead, operator, admin.
DATABASE_URL defaults to the PostgreSQL of the stack \`npm start\` runs on DATA_DIR (data).`;

const say = (line: string) => process.stderr.write(`${line}\n`);

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

async function userByEmail(db: Db, email: string | undefined) {
  const user = email && (await db.user.findUnique({ where: { email: email.trim().toLowerCase() } }));
  if (!user) throw new AppError(404, 'not_found', `No user with email ${email ?? '(missing --email)'}`);
  return user;
}

async function run(db: Db, command: string | undefined, o: Record<string, string | boolean | undefined>) {
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const password = o['password-stdin'] ? await readStdin() : undefined;
  switch (command) {
    case 'create-admin':
    case 'create': {
      if (command === 'create-admin' && (await db.user.count({ where: { role: 'admin' } })) > 0) {
        throw new AppError(409, 'conflict', 'An admin exists already: ask them, or use `create --role admin` with database access');
      }
      const input = CreateUserBody.parse({
        id: str('id'),
        email: str('email'),
        name: str('name'),
        role: command === 'create-admin' ? 'admin' : str('role'),
        team: str('team'),
        password,
      });
      const user = await createUser(db, input);
      say(`Created ${user.role} ${user.email} (id ${user.id}${user.teamId ? `, team ${user.teamId}` : ''})`);
      if (command === 'create-admin') process.stdout.write(`${(await issueToken(db, user.id, { kind: 'api', name: 'first admin' })).token}\n`);
      return;
    }
    case 'set-password': {
      const user = await userByEmail(db, str('email'));
      const chosen = password ?? randomBytes(15).toString('base64url');
      await setPassword(db, user.id, PasswordBody.parse({ password: chosen }).password);
      say(`Password set for ${user.email}; their sessions have ended`);
      if (password === undefined) process.stdout.write(`${chosen}\n`);
      return;
    }
    case 'issue-token': {
      const user = await userByEmail(db, str('email'));
      const body = IssueTokenBody.parse({ name: str('name'), expiresInDays: str('days') ? Number(str('days')) : undefined });
      const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
      const issued = await issueToken(db, user.id, { kind: 'api', name: body.name, expiresAt });
      say(`Token ${issued.id} for ${user.email}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}; it is shown once`);
      process.stdout.write(`${issued.token}\n`);
      return;
    }
    case 'revoke-token': {
      const where = str('id') ? { id: str('id') } : o.all ? { userId: (await userByEmail(db, str('email'))).id } : undefined;
      if (!where) throw new AppError(400, 'invalid_request', 'Give --id TOKEN_ID, or --email E --all');
      say((await revokeToken(db, where)) ? 'Revoked' : 'No live token matched');
      return;
    }
    case 'list': {
      for (const u of await db.user.findMany({ orderBy: { email: 'asc' } })) say(`${u.id}\t${u.role}\t${u.teamId ?? '-'}\t${u.email}\t${u.name}`);
      return;
    }
    case 'team': {
      const body = TeamSettingsBody.parse({
        id: str('id'),
        name: str('name'),
        timeZone: str('time-zone'),
        onCallName: str('on-call-name'),
        onCallEmail: str('on-call-email'),
        defaultManagerId: str('default-manager'),
      });
      const t = await setTeam(db, body);
      say(
        `Team ${t.id} (${t.name}): time zone ${t.timeZone}; on-call ${t.onCallEmail ? `${t.onCallName ?? 'On-call'} <${t.onCallEmail}>` : 'NOT SET (visits are refused)'}; default manager ${t.defaultManagerId ?? '-'}`,
      );
      return;
    }
    default:
      say(USAGE);
      process.exitCode = command ? 64 : 0;
  }
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      ...Object.fromEntries(
        ['email', 'name', 'role', 'team', 'id', 'days', 'time-zone', 'on-call-name', 'on-call-email', 'default-manager'].map((k) => [k, { type: 'string' as const }]),
      ),
      ...Object.fromEntries(['password-stdin', 'all', 'help'].map((k) => [k, { type: 'boolean' as const }])),
    },
  });
  const config = loadConfig(usersEnvSchema);
  const db = createDb(config.DATABASE_URL ?? stackDatabaseUrl(config.DATA_DIR, config.EMBEDDED_POSTGRES_PORT), { poolSize: 1 });
  try {
    await run(db, values.help ? undefined : positionals[0], values);
  } finally {
    await db.$disconnect();
  }
}

main().catch((err: unknown) => {
  const message =
    err instanceof AppError
      ? err.message
      : err instanceof Error && 'issues' in err
        ? `Invalid input: ${(err as { issues: { path: PropertyKey[]; message: string }[] }).issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`
        : String(err);
  say(`users: ${message}`);
  process.exit(err instanceof AppError && err.status === 404 ? 66 : 65);
});
