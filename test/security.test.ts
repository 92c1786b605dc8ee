import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { addDays, toDateString } from '../workflows/working-days';
import { as, startApi, type ApiHarness } from './helpers/api';
import { contacts, planContent } from './helpers/plans';
import { MIN, startBody } from './helpers/visits';

describe('Hardening: sign-in, headers, limits, idempotency and bad input (dev server, PostgreSQL)', () => {
  let api: ApiHarness;
  const run = randomUUID().slice(0, 6);
  const team = `sec-${run}`;
  const worker = () => as(`sec-worker-${run}`, 'worker', team);
  const admin = () => as(`sec-admin-${run}`, 'admin');

  beforeAll(async () => {
    api = await startApi();
    await as(`m-${run}`, 'manager', team);
  });
  afterAll(() => api?.close());

  const visitBody = (overrides: Record<string, unknown> = {}) => startBody(run, { riskLevel: 'low', manager: { id: `m-${run}` }, ...overrides });

  it('When a person signs in with email and password, then the session token works until they sign out; wrong passwords get one answer', async () => {
    const email = `person-${run}@example.org`;
    const created = await request(api.app)
      .post('/admin/users')
      .set(await admin())
      .send({ email, name: 'Pat Practitioner', role: 'practitioner', team, password: 'correct horse battery staple' })
      .expect(201);
    expect(created.body).toEqual({ id: expect.any(String), name: 'Pat Practitioner', email, role: 'practitioner', team });
    const session = await request(api.app).post('/auth/login').send({ email: email.toUpperCase(), password: 'correct horse battery staple' }).expect(200);
    // Their pages show times on their team's clock.
    const seen = { ...created.body, timeZone: 'Europe/London' };
    expect(session.body).toEqual({ token: expect.stringMatching(/^cw_/), expiresAt: expect.any(String), user: seen });
    const hours = (Date.parse(session.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    const bearer = { authorization: `Bearer ${session.body.token}` };
    expect((await request(api.app).get('/auth/me').set(bearer).expect(200)).body).toEqual(seen);
    await request(api.app).post('/auth/logout').set(bearer).expect(200);
    await request(api.app).get('/auth/me').set(bearer).expect(401);

    const wrong = await request(api.app).post('/auth/login').send({ email, password: 'wrong password here' }).expect(401);
    const unknown = await request(api.app)
      .post('/auth/login')
      .send({ email: `nobody-${run}@example.org`, password: 'wrong password here' })
      .expect(401);
    expect(wrong.body).toEqual(unknown.body);
    const extra = await request(api.app).post('/auth/login').send({ email, password: 'x', remember: true }).expect(400);
    expect(extra.body.error.details).toEqual([{ field: 'remember', message: 'unknown field' }]);
  });

  it('When an operator signs in, then the codec cookie carries their session to /codec only, for the Web UI; sign-out clears it; others get none', async () => {
    const signUpWith = async (role: string) => {
      const email = `${role}-cookie-${run}@example.org`;
      await request(api.app)
        .post('/admin/users')
        .set(await admin())
        .send({ email, name: `Cookie ${role}`, role, team: role === 'operator' ? undefined : team, password: 'correct horse battery staple' })
        .expect(201);
      return request(api.app).post('/auth/login').send({ email, password: 'correct horse battery staple' }).expect(200);
    };
    const operator = await signUpWith('operator');
    const [cookie] = operator.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(new RegExp(`^carewatch_codec=${operator.body.token}; Path=/codec; Expires=.+; HttpOnly; SameSite=Strict$`));
    const jar = cookie.split(';')[0];
    await request(api.app).post('/codec/decode').set('cookie', jar).send({ payloads: [] }).expect(200);
    await request(api.app).get('/auth/me').set('cookie', jar).expect(401);
    const out = await request(api.app).post('/auth/logout').set('authorization', `Bearer ${operator.body.token}`).expect(200);
    expect(out.headers['set-cookie']).toEqual([expect.stringMatching(/^carewatch_codec=; Path=\/codec; Expires=Thu, 01 Jan 1970/)]);
    await request(api.app).post('/codec/decode').set('cookie', jar).send({ payloads: [] }).expect(401);
    expect((await signUpWith('manager')).headers['set-cookie']).toBeUndefined();
  });

  it('When sign-in or acknowledgement links are hammered, then 429 after the configured number', async () => {
    const tight = api.appWith({ LOGIN_RATE_LIMIT: 3, ACK_RATE_LIMIT: 2 });
    const login = () =>
      request(tight)
        .post('/auth/login')
        .send({ email: `nobody-${run}@example.org`, password: 'guess-guess-guess' });
    for (let i = 0; i < 3; i++) expect((await login()).status).toBe(401);
    const limited = await login().expect(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.headers.ratelimit).toBeDefined();
    for (let i = 0; i < 2; i++) expect((await request(tight).get('/visits/ack/not-a-real-link-token')).status).toBe(400);
    await request(tight).get('/visits/ack/not-a-real-link-token').expect(429);
  });

  it('When any response goes out, then it carries security headers, and CORS answers only configured origins', async () => {
    const res = await request(api.app).get('/healthz');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const withCors = api.appWith({ CORS_ORIGINS: ['https://carewatch.example.org'] });
    const allowed = await request(withCors).options('/visits').set('Origin', 'https://carewatch.example.org').set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://carewatch.example.org');
    expect(allowed.headers['access-control-allow-headers']).toContain('Idempotency-Key');
    const other = await request(withCors).options('/visits').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("When a body is too large, not JSON or not sent as JSON, then 413, 400 or 415 in our error shape, never the parser's codes", async () => {
    const me = await worker();
    const post = () => request(api.app).post('/visits').set(me);
    const big = await post()
      .set('content-type', 'application/json')
      .send(JSON.stringify(visitBody({ notes: 'x'.repeat(200_000) })))
      .expect(413);
    expect(big.body.error).toEqual({ code: 'body_too_large', message: 'The body is larger than 100 kB' });
    const broken = await post().set('content-type', 'application/json').send('{"kind": ').expect(400);
    expect(broken.body.error).toEqual({ code: 'invalid_json', message: 'The body is not valid JSON' });
    const text = await post().set('content-type', 'text/plain').send(JSON.stringify(visitBody())).expect(415);
    expect(text.body.error).toEqual({ code: 'unsupported_media_type', message: 'The body must be JSON: send it with Content-Type: application/json' });
    const form = await post().type('form').send({ kind: 'home' }).expect(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    // No body at all is not a wrong type: the schema says what is missing.
    const empty = await post().set('content-length', '0').expect(400);
    expect(empty.body.error.code).toBe('invalid_request');
    for (const body of [big.body, broken.body, text.body]) expect(JSON.stringify(body)).not.toMatch(/entity\.|at \w+ \(|node_modules|\.ts:\d+/);
    const documented = (await request(api.app).get('/openapi.json').expect(200)).body.paths['/visits'].post.responses;
    expect(Object.keys(documented)).toEqual(expect.arrayContaining(['400', '413', '415']));
    expect(documented['415'].description).toContain('unsupported_media_type');
  });

  it('When a POST /visits is retried with the same Idempotency-Key, then one visit exists; the key with another body is refused', async () => {
    const key = `retry-${randomUUID()}`;
    const body = visitBody();
    const start = (who: { authorization: string }, sent: Record<string, unknown>) => request(api.app).post('/visits').set(who).set('Idempotency-Key', key).send(sent);
    const first = await start(await worker(), body).expect(201);
    const again = await start(await worker(), body).expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const started = await api.env.client.workflow.count(`WorkflowId = 'visit-${first.body.visitId}'`).catch(() => null);
    if (started) expect(started.count).toBe(1);
    const sameClient = await api.harness.db.idempotentRequest.count({ where: { key } });
    expect(sameClient).toBe(1);
    const other = await start(await worker(), { ...body, location: 'Elsewhere' }).expect(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    // Another caller's key is theirs alone.
    await start(await as(`sec-worker2-${run}`, 'worker', team), body).expect(201);
    // A refused request releases its key: the corrected retry goes through.
    const fixKey = `fix-${randomUUID()}`;
    await request(api.app)
      .post('/visits')
      .set(await worker())
      .set('Idempotency-Key', fixKey)
      .send({ ...body, eta: 'soon' })
      .expect(400);
    await request(api.app)
      .post('/visits')
      .set(await worker())
      .set('Idempotency-Key', fixKey)
      .send(visitBody())
      .expect(201);
    await request(api.app)
      .post('/visits')
      .set(await worker())
      .set('Idempotency-Key', 'short')
      .send(visitBody())
      .expect(400);
  });

  it('When input has unknown fields or impossible times, then 400 names each field with a reason', async () => {
    const unknown = await request(api.app)
      .post('/visits')
      .set(await worker())
      .send(visitBody({ colour: 'red', buddy: { name: 'B', email: `b-${run}@example.org`, phone: '123' } }))
      .expect(400);
    expect(unknown.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'colour', message: 'unknown field' },
        { field: 'buddy.phone', message: 'unknown field' },
      ]),
    );
    const past = await request(api.app)
      .post('/visits')
      .set(await worker())
      .send(visitBody({ eta: new Date(Date.now() - MIN).toISOString() }))
      .expect(400);
    expect(past.body.error.details).toEqual([{ field: 'eta', message: 'must be in the future' }]);
    const query = await request(api.app)
      .get('/visits?status=open&sort=eta')
      .set(await worker())
      .expect(400);
    expect(query.body.error.details).toEqual([{ field: 'sort', message: 'unknown field' }]);

    const planBody = {
      content: { ...planContent(), secretNotes: 'x' },
      consent: { basis: 'given', capacityConfirmed: true },
      contacts,
      firstReviewDate: addDays(toDateString(Date.now()), -1),
      benefitRationale: 'On-going risk',
    };
    const plan = await request(api.app)
      .post('/plans')
      .set(await as(`sec-prac-${run}`, 'practitioner', team))
      .send(planBody)
      .expect(400);
    expect(plan.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['content.secretNotes', 'firstReviewDate']);
  });
});
