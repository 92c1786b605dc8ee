import cors from 'cors';
import { Router } from 'express';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { DEFAULT_TEMPORAL_UI_ORIGIN } from '../../config/env';
import { payloadCodec } from '../../lib/data-converter';
import type { AppDeps } from '../deps';
import { actorOf, forbidden } from '../http/actor';
import { parse } from '../http/validate';
import { documentPaths } from '../openapi/paths';

/** A payload as the Temporal remote codec protocol carries it: bytes in base64. */
const JsonPayload = z.object({
  metadata: z.record(z.string(), z.string().base64()).optional(),
  data: z.string().base64().optional(),
});
const CodecBody = z.object({ payloads: z.array(JsonPayload).max(10_000) });

const doc = documentPaths('operations');
for (const action of ['encode', 'decode'] as const) {
  doc('post', `/codec/${action}`, `Temporal remote codec: ${action} payloads (operators and admins; for the Web UI and the CLI)`, {
    body: CodecBody,
    ok: CodecBody,
    errors: [400, 401, 403],
  });
}

const fromJson = (p: z.infer<typeof JsonPayload>): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * The codec endpoint the Temporal Web UI calls to show decoded payloads: only operators and
 * admins may read what the workers encrypted, and only the UI's origin may call from a browser.
 */
export function codecRoutes(deps: AppDeps): Router {
  const codec = payloadCodec(deps.config);
  const uiOrigin = deps.config.TEMPORAL_UI_ORIGIN ?? DEFAULT_TEMPORAL_UI_ORIGIN;
  const router = Router();
  router.use(
    '/codec',
    cors({
      origin: (origin, done) => done(null, origin === uiOrigin),
      credentials: true,
      methods: ['POST'],
      // The UI names the namespace; Authorization carries the operator's token.
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
      maxAge: 600,
    }),
  );
  for (const action of ['encode', 'decode'] as const) {
    router.post(`/codec/${action}`, async (req, res) => {
      const actor = actorOf(req);
      if (actor.role !== 'operator' && actor.role !== 'admin') throw forbidden('Only operators and admins may encode or decode Temporal payloads');
      const { payloads } = parse(CodecBody, req);
      const done = await codec[action](payloads.map(fromJson));
      res.set('Cache-Control', 'no-store').json({ payloads: done.map(toJson) });
    });
  }
  return router;
}
